package dev.kvm4j.arm.run;

import dev.kvm4j.arm.psci.PowerEvent;

import java.util.List;

/**
 * Why a {@link MachineLoop} ended: the first vCPU (or caller) to decide wins. Sealed, so a VMM maps every
 * case with an exhaustive {@code switch}. Cases raised by a vCPU carry its id and the guest PC at the exit
 * ({@link #UNKNOWN_PC} when KVM could not give it), read before any other vCPU could move on.
 */
public sealed interface RunEnd {
    /** Not a valid PC (not 2-byte aligned): the PC could not be read. */
    long UNKNOWN_PC = -1L;

    /** {@return one sentence for a person: what happened, where} */
    String message();

    /**
     * A guest's PSCI power call: SYSTEM_OFF, SYSTEM_RESET(2), or a crash report.
     *
     * @param vcpu the vCPU that made the call
     * @param event what it asked for
     */
    record Power(int vcpu, PowerEvent event) implements RunEnd {
        @Override
        public String message() {
            return "vCPU " + vcpu + " " + switch (event) {
                case PowerEvent.PowerOff off -> "powered the machine off (PSCI SYSTEM_OFF)";
                case PowerEvent.Reboot r -> "asked for a reset (PSCI SYSTEM_RESET" + (r.reset2() ? "2)" : ")");
                case PowerEvent.Crash c -> "reported a crash";
                case PowerEvent.Other o -> "raised system event type " + o.type();
            };
        }
    }

    /**
     * {@link MachineLoop#stop} was called.
     *
     * @param reason the caller's reason, which {@link #message()} returns
     */
    record Stopped(String reason) implements RunEnd {
        @Override
        public String message() { return reason; }
    }

    /**
     * An access no device claims under {@link UnmappedPolicy#STOP}.
     *
     * @param vcpu the vCPU that made it
     * @param pc the guest PC of the access, or {@link #UNKNOWN_PC}
     * @param address the guest physical address
     * @param size the width in bytes
     * @param write true for a store
     * @param value what a store wrote (0 for a load)
     */
    record UnmappedAccess(int vcpu, long pc, long address, int size, boolean write, long value) implements RunEnd {
        @Override
        public String message() {
            String what = write
                    ? String.format("%d-byte write of 0x%x to unmapped address 0x%x", size, value, address)
                    : String.format("%d-byte read of unmapped address 0x%x", size, address);
            return "vCPU " + vcpu + ": " + what + " at guest PC " + hex(pc);
        }
    }

    /** The vCPU could not go on: KVM, the hardware or a device failed. */
    sealed interface Failure extends RunEnd {
        /** {@return the vCPU that could not go on} */
        int vcpu();

        /** {@return the guest PC at the exit, or {@link #UNKNOWN_PC}} */
        long pc();

        /** {@return what went wrong, without the vCPU and PC that {@link #message()} adds} */
        String what();

        @Override
        default String message() { return "vCPU " + vcpu() + " at guest PC " + hex(pc()) + ": " + what(); }
    }

    /**
     * KVM_EXIT_FAIL_ENTRY: the hardware refused to enter the guest.
     *
     * @param vcpu the vCPU
     * @param pc the guest PC, or {@link #UNKNOWN_PC}
     * @param hardwareReason the hardware's reason code
     * @param hostCpu the host CPU it happened on
     */
    record EntryFailed(int vcpu, long pc, long hardwareReason, int hostCpu) implements Failure {
        @Override
        public String what() {
            return String.format("KVM could not enter the guest (FAIL_ENTRY, hardware reason 0x%x, host CPU %d)", hardwareReason, hostCpu);
        }
    }

    /**
     * KVM_EXIT_INTERNAL_ERROR with its sub-error and data words.
     *
     * @param vcpu the vCPU
     * @param pc the guest PC, or {@link #UNKNOWN_PC}
     * @param suberror the {@code KVM_INTERNAL_ERROR_*} suberror
     * @param data the kernel's data words
     */
    record InternalError(int vcpu, long pc, int suberror, List<Long> data) implements Failure {
        /** The error, with a copy of the data words. */
        public InternalError {
            data = List.copyOf(data);
        }

        @Override
        public String what() {
            StringBuilder sb = new StringBuilder("KVM internal error, suberror " + suberror);
            for (long d : data) sb.append(String.format(" 0x%x", d));
            return sb.toString();
        }
    }

    /**
     * KVM_EXIT_ARM_NISV: an access to {@code faultIpa} outside RAM whose syndrome the CPU left undecoded, so
     * KVM cannot emulate it (the VMM asked for such exits with KVM_CAP_ARM_NISV_TO_USER).
     *
     * @param vcpu the vCPU
     * @param pc the guest PC, or {@link #UNKNOWN_PC}
     * @param faultIpa the guest physical address accessed
     * @param esrIss the ISS field the CPU did give
     */
    record UndecodedMmio(int vcpu, long pc, long faultIpa, long esrIss) implements Failure {
        @Override
        public String what() {
            return String.format("the guest accessed device address 0x%x with an instruction KVM cannot decode (ARM_NISV, "
                    + "ESR ISS 0x%x): a load/store pair, or one with writeback, on MMIO", faultIpa, esrIss);
        }
    }

    /**
     * An exit that has no meaning on ARM (port I/O, HLT, a debug exit nobody asked for, a new reason).
     *
     * @param vcpu the vCPU
     * @param pc the guest PC, or {@link #UNKNOWN_PC}
     * @param exit the exit, as {@code VcpuExit.toString()} describes it
     */
    record UnexpectedExit(int vcpu, long pc, String exit) implements Failure {
        @Override
        public String what() { return "unexpected exit on ARM: " + exit; }
    }

    /**
     * A device's handler threw.
     *
     * @param vcpu the vCPU whose access it was handling
     * @param pc the guest PC, or {@link #UNKNOWN_PC}
     * @param device the device's name
     * @param address the guest physical address accessed
     * @param size the width in bytes
     * @param write true for a store
     * @param cause what the handler threw
     */
    record DeviceFailed(int vcpu, long pc, String device, long address, int size, boolean write, RuntimeException cause) implements Failure {
        @Override
        public String what() {
            return String.format("device %s failed on a %d-byte %s at 0x%x: %s", device, size, write ? "write" : "read", address, cause);
        }
    }

    /**
     * KVM_RUN itself failed (an errno), or the loop hit a bug.
     *
     * @param vcpu the vCPU
     * @param pc the guest PC, or {@link #UNKNOWN_PC}
     * @param cause the failure
     */
    record KvmFailed(int vcpu, long pc, Throwable cause) implements Failure {
        @Override
        public String what() { return cause.getMessage() == null ? cause.toString() : cause.getMessage(); }
    }

    private static String hex(long pc) { return pc == UNKNOWN_PC ? "(unreadable)" : String.format("0x%x", pc); }
}
