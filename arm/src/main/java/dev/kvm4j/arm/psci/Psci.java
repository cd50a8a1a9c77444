package dev.kvm4j.arm.psci;

/**
 * PSCI (Arm DEN 0022) function ids and return codes as {@code <linux/psci.h>} names them, plus KVM's own
 * PSCI 0.1 ids from {@code <asm/kvm.h>}. KVM implements PSCI in the kernel for vCPUs initialised with
 * {@code KVM_ARM_VCPU_PSCI_0_2}; the VMM sees only SYSTEM_OFF/RESET (as {@link PowerEvent}s) and uses
 * these ids for the device tree and for tests. Function ids are SMCCC fast calls: bit 30 set means the
 * SMC64 convention, whose arguments are 64-bit (entry points, MPIDRs).
 */
public final class Psci {
    private Psci() {}

    /** The first PSCI 0.2 function id (SMC32 fast calls, owner: standard secure service). */
    public static final int PSCI_0_2_FN_BASE = 0x84000000;
    /** The SMC64 bit of a function id. */
    public static final int PSCI_0_2_64BIT = 0x40000000;
    /** The first PSCI 0.2 function id of the SMC64 convention. */
    public static final int PSCI_0_2_FN64_BASE = PSCI_0_2_FN_BASE + PSCI_0_2_64BIT;

    // PSCI 0.2
    /** PSCI_VERSION: the implemented version, major in bits 31:16. */
    public static final int PSCI_0_2_FN_PSCI_VERSION = PSCI_0_2_FN_BASE;
    /** CPU_SUSPEND, SMC32. */
    public static final int PSCI_0_2_FN_CPU_SUSPEND = PSCI_0_2_FN_BASE + 1;
    /** CPU_OFF: the calling CPU powers down. */
    public static final int PSCI_0_2_FN_CPU_OFF = PSCI_0_2_FN_BASE + 2;
    /** CPU_ON, SMC32: starts a CPU at an entry point. */
    public static final int PSCI_0_2_FN_CPU_ON = PSCI_0_2_FN_BASE + 3;
    /** AFFINITY_INFO, SMC32: whether a CPU is on. */
    public static final int PSCI_0_2_FN_AFFINITY_INFO = PSCI_0_2_FN_BASE + 4;
    /** MIGRATE, SMC32 (for a trusted OS; KVM has none). */
    public static final int PSCI_0_2_FN_MIGRATE = PSCI_0_2_FN_BASE + 5;
    /** MIGRATE_INFO_TYPE: whether a trusted OS needs migrating. */
    public static final int PSCI_0_2_FN_MIGRATE_INFO_TYPE = PSCI_0_2_FN_BASE + 6;
    /** MIGRATE_INFO_UP_CPU, SMC32. */
    public static final int PSCI_0_2_FN_MIGRATE_INFO_UP_CPU = PSCI_0_2_FN_BASE + 7;
    /** SYSTEM_OFF: powers the machine off (a system event for the VMM). */
    public static final int PSCI_0_2_FN_SYSTEM_OFF = PSCI_0_2_FN_BASE + 8;
    /** SYSTEM_RESET: resets the machine (a system event for the VMM). */
    public static final int PSCI_0_2_FN_SYSTEM_RESET = PSCI_0_2_FN_BASE + 9;
    /** CPU_SUSPEND, SMC64. */
    public static final int PSCI_0_2_FN64_CPU_SUSPEND = PSCI_0_2_FN64_BASE + 1;
    /** CPU_ON, SMC64: starts a CPU at a 64-bit entry point. */
    public static final int PSCI_0_2_FN64_CPU_ON = PSCI_0_2_FN64_BASE + 3;
    /** AFFINITY_INFO, SMC64. */
    public static final int PSCI_0_2_FN64_AFFINITY_INFO = PSCI_0_2_FN64_BASE + 4;
    /** MIGRATE, SMC64. */
    public static final int PSCI_0_2_FN64_MIGRATE = PSCI_0_2_FN64_BASE + 5;
    /** MIGRATE_INFO_UP_CPU, SMC64. */
    public static final int PSCI_0_2_FN64_MIGRATE_INFO_UP_CPU = PSCI_0_2_FN64_BASE + 7;

    // PSCI 1.0 / 1.1 (the ones KVM implements or a guest probes through PSCI_FEATURES)
    /** PSCI_FEATURES (1.0): whether a function is implemented. */
    public static final int PSCI_1_0_FN_PSCI_FEATURES = PSCI_0_2_FN_BASE + 10;
    /** SYSTEM_SUSPEND (1.0), SMC32. */
    public static final int PSCI_1_0_FN_SYSTEM_SUSPEND = PSCI_0_2_FN_BASE + 14;
    /** SYSTEM_SUSPEND (1.0), SMC64. */
    public static final int PSCI_1_0_FN64_SYSTEM_SUSPEND = PSCI_0_2_FN64_BASE + 14;
    /** SYSTEM_RESET2 (1.1), SMC32: a reset with a type. */
    public static final int PSCI_1_1_FN_SYSTEM_RESET2 = PSCI_0_2_FN_BASE + 18;
    /** SYSTEM_RESET2 (1.1), SMC64. */
    public static final int PSCI_1_1_FN64_SYSTEM_RESET2 = PSCI_0_2_FN64_BASE + 18;

    // Return codes, as KVM writes them to x0: negative, sign-extended to 64 bits.
    /** Return code: done. */
    public static final long PSCI_RET_SUCCESS = 0;
    /** Return code: no such function. */
    public static final long PSCI_RET_NOT_SUPPORTED = -1;
    /** Return code: an argument is wrong. */
    public static final long PSCI_RET_INVALID_PARAMS = -2;
    /** Return code: not allowed. */
    public static final long PSCI_RET_DENIED = -3;
    /** Return code: CPU_ON of a CPU that is on. */
    public static final long PSCI_RET_ALREADY_ON = -4;
    /** Return code: CPU_ON of a CPU that is being turned on. */
    public static final long PSCI_RET_ON_PENDING = -5;
    /** Return code: the implementation failed. */
    public static final long PSCI_RET_INTERNAL_FAILURE = -6;
    /** Return code: no such CPU. */
    public static final long PSCI_RET_NOT_PRESENT = -7;
    /** Return code: the CPU is disabled. */
    public static final long PSCI_RET_DISABLED = -8;

    // AFFINITY_INFO results.
    /** AFFINITY_INFO result: on. */
    public static final int PSCI_0_2_AFFINITY_LEVEL_ON = 0;
    /** AFFINITY_INFO result: off. */
    public static final int PSCI_0_2_AFFINITY_LEVEL_OFF = 1;
    /** AFFINITY_INFO result: being turned on. */
    public static final int PSCI_0_2_AFFINITY_LEVEL_ON_PENDING = 2;

    // PSCI_VERSION's answer: major << 16 | minor.
    /** Where the major version starts in a PSCI_VERSION answer. */
    public static final int PSCI_VERSION_MAJOR_SHIFT = 16;
    /** The minor version's bits in a PSCI_VERSION answer. */
    public static final int PSCI_VERSION_MINOR_MASK = 0xffff;

    /** KVM's pre-standard PSCI 0.1 ids (vCPUs initialised without KVM_ARM_VCPU_PSCI_0_2). */
    public static final int KVM_PSCI_FN_BASE = 0x95c1ba5e;
    /** KVM PSCI 0.1: CPU_SUSPEND. */
    public static final int KVM_PSCI_FN_CPU_SUSPEND = KVM_PSCI_FN_BASE;
    /** KVM PSCI 0.1: CPU_OFF. */
    public static final int KVM_PSCI_FN_CPU_OFF = KVM_PSCI_FN_BASE + 1;
    /** KVM PSCI 0.1: CPU_ON. */
    public static final int KVM_PSCI_FN_CPU_ON = KVM_PSCI_FN_BASE + 2;
    /** KVM PSCI 0.1: MIGRATE. */
    public static final int KVM_PSCI_FN_MIGRATE = KVM_PSCI_FN_BASE + 3;

    /**
     * A PSCI_VERSION answer as "major.minor".
     *
     * @param version the answer, major in bits 31:16 and minor in 15:0
     * @return e.g. "1.1"
     */
    public static String versionString(int version) {
        return (version >>> PSCI_VERSION_MAJOR_SHIFT) + "." + (version & PSCI_VERSION_MINOR_MASK);
    }
}
