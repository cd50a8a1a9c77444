package dev.kvm4j.arm.psci;

import dev.kvm4j.kvm.VcpuExit;
import dev.kvm4j.kvm.abi.ExitReason;

/**
 * What a guest asked of the machine's power, decoded from a {@code KVM_EXIT_SYSTEM_EVENT}: KVM's in-kernel
 * PSCI turns SYSTEM_OFF into SHUTDOWN and SYSTEM_RESET / SYSTEM_RESET2 into RESET, stops every vCPU and
 * leaves the machine-wide decision to the VMM. Sealed, so the run loop's {@code switch} is exhaustive.
 */
public sealed interface PowerEvent {
    /** {@code KVM_SYSTEM_EVENT_RESET_FLAG_PSCI_RESET2} in {@code system_event.data[0]} (arm64). */
    long KVM_SYSTEM_EVENT_RESET_FLAG_PSCI_RESET2 = 1L;

    /** PSCI SYSTEM_OFF: power the machine off. */
    record PowerOff() implements PowerEvent {}

    /**
     * PSCI SYSTEM_RESET, or SYSTEM_RESET2 when {@code reset2} (a warm or vendor reset the guest asked for).
     *
     * @param reset2 true if the guest called SYSTEM_RESET2
     */
    record Reboot(boolean reset2) implements PowerEvent {}

    /** The guest reported a crash (KVM_SYSTEM_EVENT_CRASH; not raised by arm64 PSCI today). */
    record Crash() implements PowerEvent {}

    /**
     * An event that is not a power change: WAKEUP/SUSPEND (only if the VMM enabled
     * KVM_CAP_ARM_SYSTEM_SUSPEND) or a type newer than kvm4j.
     *
     * @param type the {@code KVM_SYSTEM_EVENT_*} number
     */
    record Other(int type) implements PowerEvent {}

    /**
     * Decodes a system-event exit; reads its data only while the exit is current.
     *
     * @param exit the exit, before the next run of its vCPU
     * @return the event
     */
    static PowerEvent of(VcpuExit.SystemEvent exit) {
        long flags = exit.ndata() > 0 ? exit.data(0) : 0;
        return decode(exit.type(), flags);
    }

    /**
     * Decodes {@code system_event.type} and the flags word {@code data[0]} (0 on kernels without data).
     *
     * @param type the {@code KVM_SYSTEM_EVENT_*} number
     * @param flags {@code data[0]}
     * @return the event
     */
    static PowerEvent decode(int type, long flags) {
        return switch (type) {
            case ExitReason.KVM_SYSTEM_EVENT_SHUTDOWN -> new PowerOff();
            case ExitReason.KVM_SYSTEM_EVENT_RESET -> new Reboot((flags & KVM_SYSTEM_EVENT_RESET_FLAG_PSCI_RESET2) != 0);
            case ExitReason.KVM_SYSTEM_EVENT_CRASH -> new Crash();
            default -> new Other(type);
        };
    }
}
