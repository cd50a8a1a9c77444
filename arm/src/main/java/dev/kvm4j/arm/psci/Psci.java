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

    public static final int PSCI_0_2_FN_BASE = 0x84000000;
    public static final int PSCI_0_2_64BIT = 0x40000000;
    public static final int PSCI_0_2_FN64_BASE = PSCI_0_2_FN_BASE + PSCI_0_2_64BIT;

    // PSCI 0.2
    public static final int PSCI_0_2_FN_PSCI_VERSION = PSCI_0_2_FN_BASE;
    public static final int PSCI_0_2_FN_CPU_SUSPEND = PSCI_0_2_FN_BASE + 1;
    public static final int PSCI_0_2_FN_CPU_OFF = PSCI_0_2_FN_BASE + 2;
    public static final int PSCI_0_2_FN_CPU_ON = PSCI_0_2_FN_BASE + 3;
    public static final int PSCI_0_2_FN_AFFINITY_INFO = PSCI_0_2_FN_BASE + 4;
    public static final int PSCI_0_2_FN_MIGRATE = PSCI_0_2_FN_BASE + 5;
    public static final int PSCI_0_2_FN_MIGRATE_INFO_TYPE = PSCI_0_2_FN_BASE + 6;
    public static final int PSCI_0_2_FN_MIGRATE_INFO_UP_CPU = PSCI_0_2_FN_BASE + 7;
    public static final int PSCI_0_2_FN_SYSTEM_OFF = PSCI_0_2_FN_BASE + 8;
    public static final int PSCI_0_2_FN_SYSTEM_RESET = PSCI_0_2_FN_BASE + 9;
    public static final int PSCI_0_2_FN64_CPU_SUSPEND = PSCI_0_2_FN64_BASE + 1;
    public static final int PSCI_0_2_FN64_CPU_ON = PSCI_0_2_FN64_BASE + 3;
    public static final int PSCI_0_2_FN64_AFFINITY_INFO = PSCI_0_2_FN64_BASE + 4;
    public static final int PSCI_0_2_FN64_MIGRATE = PSCI_0_2_FN64_BASE + 5;
    public static final int PSCI_0_2_FN64_MIGRATE_INFO_UP_CPU = PSCI_0_2_FN64_BASE + 7;

    // PSCI 1.0 / 1.1 (the ones KVM implements or a guest probes through PSCI_FEATURES)
    public static final int PSCI_1_0_FN_PSCI_FEATURES = PSCI_0_2_FN_BASE + 10;
    public static final int PSCI_1_0_FN_SYSTEM_SUSPEND = PSCI_0_2_FN_BASE + 14;
    public static final int PSCI_1_0_FN64_SYSTEM_SUSPEND = PSCI_0_2_FN64_BASE + 14;
    public static final int PSCI_1_1_FN_SYSTEM_RESET2 = PSCI_0_2_FN_BASE + 18;
    public static final int PSCI_1_1_FN64_SYSTEM_RESET2 = PSCI_0_2_FN64_BASE + 18;

    // Return codes, as KVM writes them to x0: negative, sign-extended to 64 bits.
    public static final long PSCI_RET_SUCCESS = 0;
    public static final long PSCI_RET_NOT_SUPPORTED = -1;
    public static final long PSCI_RET_INVALID_PARAMS = -2;
    public static final long PSCI_RET_DENIED = -3;
    public static final long PSCI_RET_ALREADY_ON = -4;
    public static final long PSCI_RET_ON_PENDING = -5;
    public static final long PSCI_RET_INTERNAL_FAILURE = -6;
    public static final long PSCI_RET_NOT_PRESENT = -7;
    public static final long PSCI_RET_DISABLED = -8;

    // AFFINITY_INFO results.
    public static final int PSCI_0_2_AFFINITY_LEVEL_ON = 0;
    public static final int PSCI_0_2_AFFINITY_LEVEL_OFF = 1;
    public static final int PSCI_0_2_AFFINITY_LEVEL_ON_PENDING = 2;

    // PSCI_VERSION's answer: major << 16 | minor.
    public static final int PSCI_VERSION_MAJOR_SHIFT = 16;
    public static final int PSCI_VERSION_MINOR_MASK = 0xffff;

    /** KVM's pre-standard PSCI 0.1 ids (vCPUs initialised without KVM_ARM_VCPU_PSCI_0_2). */
    public static final int KVM_PSCI_FN_BASE = 0x95c1ba5e;
    public static final int KVM_PSCI_FN_CPU_SUSPEND = KVM_PSCI_FN_BASE;
    public static final int KVM_PSCI_FN_CPU_OFF = KVM_PSCI_FN_BASE + 1;
    public static final int KVM_PSCI_FN_CPU_ON = KVM_PSCI_FN_BASE + 2;
    public static final int KVM_PSCI_FN_MIGRATE = KVM_PSCI_FN_BASE + 3;

    /** A PSCI_VERSION answer as "major.minor". */
    public static String versionString(int version) {
        return (version >>> PSCI_VERSION_MAJOR_SHIFT) + "." + (version & PSCI_VERSION_MINOR_MASK);
    }
}
