package dev.kvm4j.arm.cpu;

import dev.kvm4j.arm.VcpuFeature;
import dev.kvm4j.arm.VcpuInit;
import dev.kvm4j.arm.abi.ArmAbi;
import dev.kvm4j.arm.regs.CoreRegister;
import dev.kvm4j.arm.regs.CpuState;
import dev.kvm4j.arm.regs.RegisterId;
import dev.kvm4j.arm.regs.RegisterValue;
import dev.kvm4j.kvm.Vcpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * One ARM vCPU's register state: the kvm {@link Vcpu} and the {@link VcpuInit} it was initialised with,
 * its register list split into the core registers (by name, through {@link CoreRegister}) and the tuple
 * list (every other id: system, firmware, CCSIDR demux, SVE...), each with current values, the values
 * right after init, and a migration copy. Gets and puts go by {@link SyncLevel}; see {@link RegisterClass}
 * for which register moves at which level and why.
 *
 * <p>Does not own the {@link Vcpu} (its creator closes it). Not thread-safe: use it from the vCPU's thread,
 * or from another while that thread is out of KVM_RUN.
 */
public final class ArmVcpu {
    private static final Map<RegisterId, CoreRegister> CORE_BY_ID = Arrays.stream(CoreRegister.values())
            .collect(Collectors.toUnmodifiableMap(CoreRegister::registerId, Function.identity()));

    private final Vcpu vcpu;
    private final VcpuInit init;
    private final RegisterBank core;
    private final RegisterBank tuples;

    private ArmVcpu(Vcpu vcpu, VcpuInit init, RegisterBank core, RegisterBank tuples) {
        this.vcpu = vcpu;
        this.init = init;
        this.core = core;
        this.tuples = tuples;
    }

    /**
     * KVM_ARM_VCPU_INIT (and, for SVE, KVM_ARM_VCPU_FINALIZE with the default vector lengths), then
     * KVM_GET_REG_LIST, sorted unsigned and split, then every register read: those values are the reset
     * values {@link #reset()} feeds back.
     *
     * @param vcpu a vCPU not yet initialised (or one to initialise again)
     * @param init the target and features to give it
     * @return the vCPU's register model, every value read
     * @throws RegisterSyncException when a listed register cannot be read (the kernel contradicts its own list)
     */
    public static ArmVcpu initialise(Vcpu vcpu, VcpuInit init) {
        init.apply(vcpu);
        if (init.has(VcpuFeature.SVE)) finalizeSve(vcpu);
        List<CoreRegister> coreRegisters = new ArrayList<>();
        List<RegisterId> rest = new ArrayList<>();
        for (long raw : vcpu.registerList()) {
            RegisterId id = RegisterId.of(raw);
            CoreRegister c = CORE_BY_ID.get(id);
            // A core id kvm4j's table lacks (a newer kernel) still syncs, through the tuple list.
            if (c != null) coreRegisters.add(c); else rest.add(id);
        }
        ArmVcpu a = new ArmVcpu(vcpu, init, RegisterBank.core(coreRegisters), RegisterBank.tupleList(rest));
        a.readFromKernel(SyncLevel.FULL).orThrow();
        a.core.captureResetValues();
        a.tuples.captureResetValues();
        return a;
    }

    /** SVE registers are listed, and the vCPU runs, only once its vector lengths are finalised. */
    private static void finalizeSve(Vcpu vcpu) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment feature = arena.allocate(ValueLayout.JAVA_INT);
            feature.set(ValueLayout.JAVA_INT, 0, ArmAbi.KVM_ARM_VCPU_SVE);
            vcpu.ioctl("KVM_ARM_VCPU_FINALIZE", ArmAbi.KVM_ARM_VCPU_FINALIZE, feature);
        }
    }

    /** {@return the kvm vCPU this model syncs with} */
    public Vcpu vcpu() { return vcpu; }

    /** {@return the target and features the vCPU was initialised with} */
    public VcpuInit init() { return init; }

    /** {@return the core registers the kernel lists (an SVE vCPU has no V0-V31 here: Z0-Z31 hold them)} */
    public RegisterBank core() { return core; }

    /** {@return every other listed register, sorted unsigned} */
    public RegisterBank tupleList() { return tuples; }

    /**
     * Kernel to current values of core registers and tuple list, at {@code level}; failures listed, never thrown.
     *
     * @param level which registers to read
     * @return how many moved, and each register that failed
     */
    public SyncResult readFromKernel(SyncLevel level) {
        return SyncResult.combine("get", level, core.read(vcpu, level), tuples.read(vcpu, level));
    }

    /**
     * Current values to kernel at {@code level}: core registers first, then the tuple list.
     *
     * @param level which registers to write
     * @param counters whether the virtual counters are written too (a restore) or left running
     * @return how many moved, and each register that failed
     */
    public SyncResult writeToKernel(SyncLevel level, Counters counters) {
        return SyncResult.combine("put", level, core.write(vcpu, level, counters), tuples.write(vcpu, level, counters));
    }

    /**
     * The registers {@code level} reads, read now.
     *
     * @param level which registers to read
     * @return their values
     * @throws RegisterSyncException naming every register that could not be read
     */
    public CpuState get(SyncLevel level) {
        readFromKernel(level).orThrow();
        Map<RegisterId, RegisterValue> m = new LinkedHashMap<>();
        core.collect(m, level);
        tuples.collect(m, level);
        return CpuState.of(m);
    }

    /**
     * {@link #put(CpuState, SyncLevel, Counters)} that leaves the guest's clock running.
     *
     * @param state the values to write
     * @param level which of them to write
     * @return how many moved, and each register that failed
     */
    public SyncResult put(CpuState state, SyncLevel level) { return put(state, level, Counters.KEEP); }

    /**
     * Writes the registers of {@code state} that {@code level} writes, core registers first in struct
     * kvm_regs order, then the rest sorted unsigned; registers the state lacks keep their value. Each
     * register that fails is listed and the rest are still written: a constant given another value than the
     * kernel's is a {@link RegisterFailure.FixedByHost}, a register this vCPU does not list a
     * {@link RegisterFailure.NotListed}.
     *
     * @param state the values to write
     * @param level which of them to write
     * @param counters whether the virtual counters are written too (a restore) or left running
     * @return how many moved, and each register that failed
     */
    public SyncResult put(CpuState state, SyncLevel level, Counters counters) {
        List<RegisterFailure> failures = new ArrayList<>();
        int moved = 0;
        for (Map.Entry<RegisterId, RegisterValue> e : state.values().entrySet()) {
            RegisterId id = e.getKey();
            if (!RegisterClass.of(id).writtenAt(level, counters)) continue;
            RegisterBank bank = core.contains(id) ? core : tuples;
            int i = bank.indexOf(id);
            if (i < 0) {
                failures.add(new RegisterFailure.NotListed(id));
                continue;
            }
            bank.set(i, e.getValue());
            if (bank.writeOne(vcpu, i, failures)) moved++;
        }
        return new SyncResult("put", level, moved, failures);
    }

    /**
     * A snapshot restore: every register at FULL, counters included, so the guest's clock resumes from the snapshot.
     *
     * @param snapshot the state saved
     * @return how many moved, and each register that failed
     */
    public SyncResult restore(CpuState snapshot) { return put(snapshot, SyncLevel.FULL, Counters.RESTORE); }

    /**
     * Back to the state right after {@link #initialise}: KVM_ARM_VCPU_INIT again with the same target and
     * features (the kernel's own reset, which also sets the PSCI power state the features ask for), then
     * the reset values of the core registers and the tuple list written back at {@link SyncLevel#RESET}, as
     * the seed feeds the kernel its initial values. An access the guest left pending at its last MMIO or
     * I/O exit is completed first, so KVM does not finish it (stepping PC) in the reset vCPU's first run.
     *
     * @return how many registers moved, and each that failed
     */
    public SyncResult reset() {
        vcpu.completePendingExit();
        init.apply(vcpu);
        core.restoreResetValues();
        tuples.restoreResetValues();
        return writeToKernel(SyncLevel.RESET, Counters.KEEP);
    }

    /** {@return the core registers and tuple list as captured right after init} */
    public CpuState resetState() {
        Map<RegisterId, RegisterValue> m = new LinkedHashMap<>();
        core.collectReset(m);
        tuples.collectReset(m);
        return CpuState.of(m);
    }

    /**
     * Reads everything (FULL) and keeps it as the migration copy, which {@link #migrationCopy()} returns
     * until the next capture. The caller completes any pending exit first ({@link Vcpu#completePendingExit}):
     * KVM's state is consistent only once it has.
     *
     * @return the copy
     * @throws RegisterSyncException naming every register that could not be read
     */
    public CpuState captureMigrationCopy() {
        readFromKernel(SyncLevel.FULL).orThrow();
        core.captureMigrationCopy();
        tuples.captureMigrationCopy();
        return migrationCopy();
    }

    /** {@return the last migration copy (zeros before the first capture)} */
    public CpuState migrationCopy() {
        Map<RegisterId, RegisterValue> m = new LinkedHashMap<>();
        core.collectMigration(m);
        tuples.collectMigration(m);
        return CpuState.of(m);
    }
}
