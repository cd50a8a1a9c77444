package dev.kvm4j.kvm;

/** A handle (system, VM, vCPU, device or memory) was used after {@code close()}. */
public final class ClosedHandleException extends IllegalStateException {
    /**
     * A use of a closed handle.
     *
     * @param what the handle, as messages name it (e.g. {@code vCPU 0})
     */
    public ClosedHandleException(String what) {
        super(what + " is closed: it cannot be used after close() (a handle is closed once, by its owner, when it is done)");
    }

    /**
     * A refused operation on a closed handle.
     *
     * @param what the handle, as messages name it
     * @param operation what was refused, e.g. {@code KVM_RUN}
     */
    public ClosedHandleException(String what, String operation) {
        super(operation + " on " + what + " refused: " + what + " is closed (close() was called on it, by this or another"
                + " thread); use it only before close()");
    }
}
