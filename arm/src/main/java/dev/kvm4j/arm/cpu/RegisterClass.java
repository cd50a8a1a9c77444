package dev.kvm4j.arm.cpu;

import dev.kvm4j.arm.abi.ArmAbi;
import dev.kvm4j.arm.regs.CoreRegister;
import dev.kvm4j.arm.regs.RegisterId;

import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static dev.kvm4j.arm.cpu.SyncLevel.FULL;
import static dev.kvm4j.arm.cpu.SyncLevel.RESET;
import static dev.kvm4j.arm.cpu.SyncLevel.RUNTIME;

/**
 * The sync-level table: every register id falls in one class, and the class says from which level on it
 * is read and written and how it is written. The comment on each row is the reason.
 */
public enum RegisterClass {
    /** x0–x30, SP_EL0, PC, PSTATE, SP_EL1, ELR_EL1, the SPSRs: any guest instruction may change them. */
    CORE(RUNTIME, Write.PLAIN),
    /** V0–V31, FPSR, FPCR: live guest state like the general registers. */
    FP_SIMD(RUNTIME, Write.PLAIN),
    /** SVE Z, P and FFR slices: the SVE view of the FP/SIMD state of an SVE vCPU. */
    SVE_DATA(RUNTIME, Write.PLAIN),
    /**
     * System registers the guest writes with MSR (MMU, exception, thread-id, timer control and compare,
     * debug, PMU, the AArch32 DACR/IFSR/FPEXC): the default for a system register.
     */
    GUEST_SYSREG(RUNTIME, Write.PLAIN),
    /**
     * PMINTENSET_EL1, PMCNTENSET_EL0, PMOVSSET_EL0: bit masks the guest sets here and clears through a CLR
     * alias. Kernels before a 2025 fix (6.12 among them) OR a userspace write to a SET register into the
     * mask and clear the bits of a write to a CLR one, instead of assigning; newer ones assign. Writing the
     * CLR alias with all ones and then the SET register gives the value on both.
     */
    PMU_SET(RUNTIME, Write.CLEAR_ALIAS_FIRST),
    /** PMINTENCLR_EL1, PMCNTENCLR_EL0, PMOVSCLR_EL0: read the same bits as their SET register, which carries the value. */
    PMU_CLEAR_ALIAS(RUNTIME, Write.NEVER),
    /**
     * MPIDR_EL1 and ACTLR_EL1: the guest cannot write them (KVM ignores ACTLR writes), so a running guest
     * never changed them; but KVM_ARM_VCPU_INIT resets them and the VMM may have chosen other values, so
     * a reset must put them back.
     */
    VCPU_CONFIG(RESET, Write.PLAIN),
    /**
     * MIDR, REVIDR, AIDR, the ID space (op0=3 op1=0 CRn=0 CRm=1..7), CTR, CLIDR, DCZID, GMID and the other
     * read-only identification registers: KVM derives them from the host (and may narrow them itself at
     * the first run, as 6.12 clears the GIC field without a vGIC) and refuses another value, except that
     * newer kernels accept narrower ID fields before the first run. Only a restore has a reason to write
     * them, and then a difference means the snapshot is from another CPU or configuration.
     */
    ID_REGISTER(FULL, Write.CONSTANT),
    /** CCSIDR_EL1 per CSSELR_EL1 (the demux group): the host's cache geometry, fixed like the ID registers. */
    CACHE_GEOMETRY(FULL, Write.CONSTANT),
    /**
     * PSCI version, SMCCC workaround levels, hypercall bitmaps: per-VM firmware choices the kernel fixes once
     * the VM has run; the guest only reads them.
     */
    FIRMWARE(FULL, Write.CONSTANT),
    /** SVE_VLS: the vector lengths, fixed by KVM_ARM_VCPU_FINALIZE (any later write fails, same value or not). */
    SVE_CONFIG(FULL, Write.CONSTANT),
    /**
     * CNTVCT_EL0 (KVM_REG_ARM_TIMER_CNT) and CNTPCT_EL0: writing one moves the guest's clock (KVM turns it
     * into a counter offset), so they are read at FULL (a snapshot records the time) but written only when
     * a put asks for {@link Counters#RESTORE}.
     */
    COUNTER(FULL, Write.ONLY_ON_RESTORE),
    /** A group newer than kvm4j: carried by snapshots, never written at runtime since kvm4j cannot tell what it does. */
    UNKNOWN(FULL, Write.PLAIN);

    /** How a put writes a register of the class. */
    enum Write {
        PLAIN,
        /** Refused by the kernel when different; a refusal is reported as {@link RegisterFailure.FixedByHost}. */
        CONSTANT,
        /** Only with {@link Counters#RESTORE}. */
        ONLY_ON_RESTORE,
        /** The CLR alias with all ones, then the register. */
        CLEAR_ALIAS_FIRST,
        /** Never: another register carries the value. */
        NEVER
    }

    /** Where fp_regs starts in struct kvm_regs, in the 32-bit words core ids count in. */
    private static final int FP_SIMD_FIRST_WORD = CoreRegister.V0.registerId().coreWordIndex();
    private static final long MPIDR_EL1 = ArmAbi.sysreg(3, 0, 0, 0, 5);
    private static final long ACTLR_EL1 = ArmAbi.sysreg(3, 0, 1, 0, 1);
    /** Read-only identification registers outside the CRn=0 blocks. */
    private static final Set<RegisterId> READ_ONLY = Stream.of("PMCEID0_EL0", "PMCEID1_EL0", "PMMIR_EL1", "MDRAR_EL1",
            "DBGAUTHSTATUS_EL1", "ERRIDR_EL1", "LORID_EL1", "MPAMIDR_EL1").map(RegisterId::parse).collect(Collectors.toUnmodifiableSet());
    /** Each PMU SET register and its CLR alias. */
    private static final Map<RegisterId, RegisterId> CLEAR_ALIAS = Map.of(
            RegisterId.parse("PMINTENSET_EL1"), RegisterId.parse("PMINTENCLR_EL1"),
            RegisterId.parse("PMCNTENSET_EL0"), RegisterId.parse("PMCNTENCLR_EL0"),
            RegisterId.parse("PMOVSSET_EL0"), RegisterId.parse("PMOVSCLR_EL0"));
    private static final Set<RegisterId> CLEAR_ALIASES = Set.copyOf(CLEAR_ALIAS.values());

    private final SyncLevel level;
    private final Write write;

    RegisterClass(SyncLevel level, Write write) {
        this.level = level;
        this.write = write;
    }

    /** {@return the lowest level that reads and writes this class} */
    public SyncLevel level() { return level; }

    /**
     * {@return true if the kernel holds the value, so that writing a different one is refused (see {@link RegisterFailure.FixedByHost})}
     */
    public boolean constant() { return write == Write.CONSTANT; }

    /** {@return true if writing it moves the guest's clock} */
    public boolean counter() { return write == Write.ONLY_ON_RESTORE; }

    Write write() { return write; }

    /**
     * Whether a get at {@code at} reads registers of this class.
     *
     * @param at the level of the get
     * @return true if it does
     */
    public boolean readAt(SyncLevel at) { return at.includes(level); }

    /**
     * Whether a put at {@code at} writes registers of this class.
     *
     * @param at the level of the put
     * @param counters whether the put writes the counters (a restore)
     * @return true if it does
     */
    public boolean writtenAt(SyncLevel at, Counters counters) {
        return at.includes(level) && write != Write.NEVER && (write != Write.ONLY_ON_RESTORE || counters == Counters.RESTORE);
    }

    /**
     * The class of any id, including ids newer than kvm4j's tables.
     *
     * @param id the register
     * @return its class ({@code UNKNOWN} for a non-arm64 id)
     */
    public static RegisterClass of(RegisterId id) {
        if (!id.isArm64()) return UNKNOWN;
        return switch (id.group()) {
            case CORE -> id.coreWordIndex() >= FP_SIMD_FIRST_WORD ? FP_SIMD : CORE;
            case SVE -> id.value() == ArmAbi.KVM_REG_ARM64_SVE_VLS ? SVE_CONFIG : SVE_DATA;
            case DEMUX -> CACHE_GEOMETRY;
            case FIRMWARE, FIRMWARE_BITMAP -> FIRMWARE;
            case SYSREG -> ofSysreg(id);
            case OTHER -> UNKNOWN;
        };
    }

    /** The CLR alias a {@link #PMU_SET} register is written after. */
    static RegisterId clearAliasOf(RegisterId set) {
        RegisterId alias = CLEAR_ALIAS.get(set);
        if (alias == null) throw new IllegalArgumentException(set.name() + " has no CLR alias");
        return alias;
    }

    private static RegisterClass ofSysreg(RegisterId id) {
        long v = id.value();
        if (v == ArmAbi.KVM_REG_ARM_TIMER_CNT || v == ArmAbi.KVM_REG_ARM_PTIMER_CNT) return COUNTER;
        if (v == MPIDR_EL1 || v == ACTLR_EL1) return VCPU_CONFIG;
        if (CLEAR_ALIAS.containsKey(id)) return PMU_SET;
        if (CLEAR_ALIASES.contains(id)) return PMU_CLEAR_ALIAS;
        boolean identification = id.op0() == 3 && id.crn() == 0 && (id.op1() == 0 || (id.crm() == 0 && (id.op1() == 1 || id.op1() == 3)));
        if (identification || READ_ONLY.contains(id)) return ID_REGISTER;
        return GUEST_SYSREG;
    }
}
