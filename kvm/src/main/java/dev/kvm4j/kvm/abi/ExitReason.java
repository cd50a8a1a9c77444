package dev.kvm4j.kvm.abi;

/** The {@code KVM_EXIT_*} reasons kvm4j decodes; any other number becomes {@code VcpuExit.Other}. */
public final class ExitReason {
    private ExitReason() {}

    /** An exit the hardware gave no known reason for. */
    public static final int KVM_EXIT_UNKNOWN = 0;
    /** Port I/O (x86). */
    public static final int KVM_EXIT_IO = 2;
    /** A debug exception for the VMM. */
    public static final int KVM_EXIT_DEBUG = 4;
    /** HLT with no in-kernel local APIC (x86). */
    public static final int KVM_EXIT_HLT = 5;
    /** A load or store no memory slot backs. */
    public static final int KVM_EXIT_MMIO = 6;
    /** The guest shut down (x86 triple fault). */
    public static final int KVM_EXIT_SHUTDOWN = 8;
    /** The hardware refused to enter the guest. */
    public static final int KVM_EXIT_FAIL_ENTRY = 9;
    /** A signal interrupted the run. */
    public static final int KVM_EXIT_INTR = 10;
    /** KVM could not handle something itself. */
    public static final int KVM_EXIT_INTERNAL_ERROR = 17;
    /** A guest-wide event: power off, reset, crash. */
    public static final int KVM_EXIT_SYSTEM_EVENT = 24;
    /** arm64: an MMIO access without a decoded syndrome. */
    public static final int KVM_EXIT_ARM_NISV = 28;

    /** {@code kvm_run.io.direction} of {@code in}. */
    public static final int KVM_EXIT_IO_IN = 0;
    /** {@code kvm_run.io.direction} of {@code out}. */
    public static final int KVM_EXIT_IO_OUT = 1;

    /** The guest powered off (PSCI SYSTEM_OFF). */
    public static final int KVM_SYSTEM_EVENT_SHUTDOWN = 1;
    /** The guest asked for a reset (PSCI SYSTEM_RESET or SYSTEM_RESET2). */
    public static final int KVM_SYSTEM_EVENT_RESET = 2;
    /** The guest reported a crash. */
    public static final int KVM_SYSTEM_EVENT_CRASH = 3;
    /** A vCPU woke from a suspend the VMM handles. */
    public static final int KVM_SYSTEM_EVENT_WAKEUP = 4;
    /** The guest asked for system suspend (PSCI SYSTEM_SUSPEND). */
    public static final int KVM_SYSTEM_EVENT_SUSPEND = 5;
}
