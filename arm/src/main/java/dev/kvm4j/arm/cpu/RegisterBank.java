package dev.kvm4j.arm.cpu;

import dev.kvm4j.arm.abi.ArmAbi;
import dev.kvm4j.arm.regs.CoreRegister;
import dev.kvm4j.arm.regs.CpuState;
import dev.kvm4j.arm.regs.RegisterId;
import dev.kvm4j.arm.regs.RegisterValue;
import dev.kvm4j.kvm.KvmException;
import dev.kvm4j.kvm.Vcpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A fixed list of register ids with their values in native memory, in three images of one layout, as the
 * seed keeps its tuple list: the current values, the values right after init (what a reset feeds back),
 * and a migration copy (what a snapshot carries). Values move between the kernel and the current image
 * with one KVM_GET/SET_ONE_REG per register straight from a preallocated slot, so a sync allocates nothing
 * per register; a register that fails is listed in the result and the others still move.
 *
 * <p>Not thread-safe, like the {@link Vcpu} it talks to: use it from the vCPU's thread or while it is paused.
 */
public final class RegisterBank {
    private static final int MAX_REGISTER_BYTES = 256;

    private final RegisterId[] ids;
    private final long[] raw;
    private final int[] sizes;
    /** For a {@link RegisterClass#PMU_SET} register, its CLR alias; 0 otherwise. */
    private final long[] clearFirst;
    private final RegisterClass[] classes;
    private final MemorySegment[] slots;
    private final long[] offsets;
    private final MemorySegment current, reset, migration;
    /** Where a failed write reads the kernel's value back, to compare and to name it. */
    private final MemorySegment scratch;
    private final Map<RegisterId, Integer> index = new HashMap<>();

    private RegisterBank(List<RegisterId> ids, long[] offsets, long imageSize) {
        int n = ids.size();
        this.ids = ids.toArray(RegisterId[]::new);
        this.offsets = offsets;
        this.raw = new long[n];
        this.sizes = new int[n];
        this.clearFirst = new long[n];
        this.classes = new RegisterClass[n];
        this.slots = new MemorySegment[n];
        // The images live as long as this bank: nothing else holds their addresses between calls.
        Arena arena = Arena.ofAuto();
        this.current = arena.allocate(Math.max(imageSize, 1), 16);
        this.reset = arena.allocate(Math.max(imageSize, 1), 16);
        this.migration = arena.allocate(Math.max(imageSize, 1), 16);
        this.scratch = arena.allocate(MAX_REGISTER_BYTES, 16);
        for (int i = 0; i < n; i++) {
            RegisterId id = this.ids[i];
            if (index.put(id, i) != null) throw new IllegalArgumentException(id.name() + " is listed twice");
            raw[i] = id.value();
            sizes[i] = id.size();
            classes[i] = RegisterClass.of(id);
            if (classes[i] == RegisterClass.PMU_SET) clearFirst[i] = RegisterClass.clearAliasOf(id).value();
            slots[i] = current.asSlice(offsets[i], id.size());
        }
    }

    /**
     * The tuple list: {@code ids} sorted as the kernel sorts them (unsigned), each value in its own slot,
     * aligned to its size up to 16 bytes. Any id is accepted; one the kernel does not know fails at sync time.
     *
     * @param ids the registers
     * @return the bank, every value zero
     * @throws IllegalArgumentException if an id is listed twice
     */
    public static RegisterBank tupleList(List<RegisterId> ids) {
        List<RegisterId> sorted = ids.stream().sorted().toList();
        long[] offsets = new long[sorted.size()];
        long at = 0;
        for (int i = 0; i < offsets.length; i++) {
            long size = sorted.get(i).size();
            long align = Math.min(size, 16);
            at = (at + align - 1) / align * align;
            offsets[i] = at;
            at += size;
        }
        return new RegisterBank(sorted, offsets, at);
    }

    /**
     * The core registers, in table order (that of struct kvm_regs: PSTATE is written after x0-x30 and PC,
     * which an AArch32 PSTATE narrows), each at its offset in an image of struct kvm_regs.
     *
     * @param registers the core registers the kernel lists
     * @return the bank, every value zero
     */
    public static RegisterBank core(List<CoreRegister> registers) {
        List<CoreRegister> ordered = registers.stream().sorted().toList();
        long[] offsets = ordered.stream().mapToLong(CoreRegister::offset).toArray();
        return new RegisterBank(ordered.stream().map(CoreRegister::registerId).toList(), offsets, ArmAbi.STRUCT_KVM_REGS.byteSize());
    }

    /** {@return the number of registers} */
    public int size() { return ids.length; }

    /** {@return the ids, in sync order} */
    public List<RegisterId> ids() { return List.of(ids); }

    /**
     * Whether a register is in this bank.
     *
     * @param id the register
     * @return true if listed here
     */
    public boolean contains(RegisterId id) { return index.containsKey(id); }

    /** The position of {@code id}, or -1. */
    int indexOf(RegisterId id) { return index.getOrDefault(id, -1); }

    /**
     * The current value of a listed register (as last read or written).
     *
     * @param id the register
     * @return its value
     * @throws IllegalArgumentException if it is not in this bank
     */
    public RegisterValue value(RegisterId id) { return valueOf(slots[require(id)]); }

    /**
     * Sets the current value of a listed register; the kernel sees it at the next write.
     *
     * @param id the register
     * @param value its value, of the register's size
     * @throws IllegalArgumentException if it is not in this bank or the size differs
     */
    public void set(RegisterId id, RegisterValue value) { set(require(id), value); }

    void set(int i, RegisterValue value) {
        if (value.size() != ids[i].size()) throw new IllegalArgumentException(ids[i].name() + " is " + ids[i].size() + " bytes, the value " + value + " is " + value.size());
        slots[i].copyFrom(MemorySegment.ofArray(value.bytes()));
    }

    private int require(RegisterId id) {
        int i = indexOf(id);
        if (i < 0) throw new IllegalArgumentException(id.name() + " is not in this register list");
        return i;
    }

    /**
     * Kernel to current image, for every register {@code level} reads.
     *
     * @param vcpu the vCPU
     * @param level which registers
     * @return how many moved, and each that failed
     */
    public SyncResult read(Vcpu vcpu, SyncLevel level) {
        List<RegisterFailure> failures = new ArrayList<>();
        int moved = 0;
        for (int i = 0; i < ids.length; i++) {
            if (classes[i].readAt(level) && readOne(vcpu, i, failures)) moved++;
        }
        return new SyncResult("get", level, moved, failures);
    }

    /**
     * Current image to kernel, for every register {@code level} writes.
     *
     * @param vcpu the vCPU
     * @param level which registers
     * @param counters whether the virtual counters are written too (a restore) or left running
     * @return how many moved, and each that failed
     */
    public SyncResult write(Vcpu vcpu, SyncLevel level, Counters counters) {
        List<RegisterFailure> failures = new ArrayList<>();
        int moved = 0;
        for (int i = 0; i < ids.length; i++) {
            if (classes[i].writtenAt(level, counters) && writeOne(vcpu, i, failures)) moved++;
        }
        return new SyncResult("put", level, moved, failures);
    }

    boolean readOne(Vcpu vcpu, int i, List<RegisterFailure> failures) {
        try {
            get(vcpu, i, slots[i]);
            return true;
        } catch (KvmException e) {
            failures.add(new RegisterFailure.Refused(ids[i], e.call(), e.errno(), e.errnoNumber()));
            return false;
        }
    }

    /**
     * Writes one register. When the kernel refuses, its own value is read back: if it is the value wanted
     * the register is in the state asked for (SVE_VLS refuses every write once finalised); otherwise the
     * failure is named ({@link RegisterFailure.FixedByHost} for a constant) and the current image takes the
     * kernel's value, so it never claims a value the vCPU does not have.
     */
    boolean writeOne(Vcpu vcpu, int i, List<RegisterFailure> failures) {
        try {
            if (clearFirst[i] != 0) vcpu.setOneReg(clearFirst[i], -1L);
            set(vcpu, i);
            return true;
        } catch (KvmException e) {
            MemorySegment kernel = scratch.asSlice(0, slots[i].byteSize());
            try {
                get(vcpu, i, kernel);
            } catch (KvmException unreadable) {
                failures.add(new RegisterFailure.Refused(ids[i], e.call(), e.errno(), e.errnoNumber()));
                return false;
            }
            if (kernel.mismatch(slots[i]) == -1) return true;
            failures.add(classes[i].constant()
                    ? new RegisterFailure.FixedByHost(ids[i], valueOf(kernel), valueOf(slots[i]))
                    : new RegisterFailure.Refused(ids[i], e.call(), e.errno(), e.errnoNumber()));
            slots[i].copyFrom(kernel);
            return false;
        }
    }

    /**
     * One KVM_GET_ONE_REG into {@code into}. Registers of up to 64 bits (all but V0–V31 and SVE) go through
     * the vCPU's own value buffer and come back as a long, the cheapest path through the kvm layer; the
     * rest straight into their slot.
     */
    private void get(Vcpu vcpu, int i, MemorySegment into) {
        switch (sizes[i]) {
            case 8 -> into.set(ValueLayout.JAVA_LONG, 0, vcpu.getOneReg(raw[i]));
            case 4 -> into.set(ValueLayout.JAVA_INT, 0, (int) vcpu.getOneReg(raw[i]));
            default -> vcpu.getOneReg(raw[i], into);
        }
    }

    private void set(Vcpu vcpu, int i) {
        switch (sizes[i]) {
            case 8 -> vcpu.setOneReg(raw[i], slots[i].get(ValueLayout.JAVA_LONG, 0));
            case 4 -> vcpu.setOneReg(raw[i], slots[i].get(ValueLayout.JAVA_INT, 0));
            default -> vcpu.setOneReg(raw[i], slots[i]);
        }
    }

    /**
     * The current values of the registers {@code level} reads.
     *
     * @param level which registers
     * @return their values
     */
    public CpuState values(SyncLevel level) {
        Map<RegisterId, RegisterValue> m = new LinkedHashMap<>();
        collect(m, current, level);
        return CpuState.of(m);
    }

    /** {@return the values captured right after init} */
    public CpuState resetValues() {
        Map<RegisterId, RegisterValue> m = new LinkedHashMap<>();
        collect(m, reset, SyncLevel.FULL);
        return CpuState.of(m);
    }

    /** {@return the migration copy, as last captured} */
    public CpuState migrationCopy() {
        Map<RegisterId, RegisterValue> m = new LinkedHashMap<>();
        collect(m, migration, SyncLevel.FULL);
        return CpuState.of(m);
    }

    void collect(Map<RegisterId, RegisterValue> into, SyncLevel level) { collect(into, current, level); }

    void collectReset(Map<RegisterId, RegisterValue> into) { collect(into, reset, SyncLevel.FULL); }

    void collectMigration(Map<RegisterId, RegisterValue> into) { collect(into, migration, SyncLevel.FULL); }

    private void collect(Map<RegisterId, RegisterValue> into, MemorySegment image, SyncLevel level) {
        for (int i = 0; i < ids.length; i++) {
            if (classes[i].readAt(level)) into.put(ids[i], valueOf(image.asSlice(offsets[i], ids[i].size())));
        }
    }

    /** Current → reset values: what the kernel holds right after init. */
    public void captureResetValues() { reset.copyFrom(current); }

    /** Reset values → current, ready to be written back. */
    public void restoreResetValues() { current.copyFrom(reset); }

    /** Current → migration copy. */
    public void captureMigrationCopy() { migration.copyFrom(current); }

    private static RegisterValue valueOf(MemorySegment slot) { return RegisterValue.ofBytes(slot.toArray(ValueLayout.JAVA_BYTE)); }
}
