package dev.kvm4j.arm.cpu;

import dev.kvm4j.arm.regs.RegisterId;
import dev.kvm4j.arm.regs.RegisterValue;
import dev.kvm4j.kvm.Errno;

/** One register a sync could not move; a {@link SyncResult} lists them all instead of stopping at the first. */
public sealed interface RegisterFailure {
    /** {@return the register that did not move} */
    RegisterId id();

    /** {@return one line naming the register and what went wrong} */
    String message();

    /**
     * The kernel refused KVM_GET_ONE_REG or KVM_SET_ONE_REG.
     *
     * @param id the register
     * @param call the refused ioctl
     * @param errno the errno by name
     * @param errnoNumber the errno number, for one {@link Errno} does not name
     */
    record Refused(RegisterId id, String call, Errno errno, int errnoNumber) implements RegisterFailure {
        @Override
        public String message() {
            String e = errno == Errno.UNKNOWN ? "errno " + errnoNumber : errno.name() + " (" + errno.description() + ")";
            return id.name() + ": " + call + " failed: " + e;
        }
    }

    /**
     * A register the kernel holds constant was given a different value; the kernel keeps its own.
     *
     * @param id the register
     * @param kernel the kernel's value, which stays
     * @param wanted the value that was to be written
     */
    record FixedByHost(RegisterId id, RegisterValue kernel, RegisterValue wanted) implements RegisterFailure {
        @Override
        public String message() {
            return id.name() + " is fixed by the host: kernel has " + kernel + ", snapshot has " + wanted;
        }
    }

    /**
     * The state names a register this vCPU's KVM_GET_REG_LIST does not list (a snapshot from another host or kernel).
     *
     * @param id the register
     */
    record NotListed(RegisterId id) implements RegisterFailure {
        @Override
        public String message() { return id.name() + " is not a register of this vCPU: KVM_GET_REG_LIST does not list it"; }
    }
}
