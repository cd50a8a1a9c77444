package dev.kvm4j.kvm;

/** A handle (system, VM, vCPU, device or memory) was used after {@code close()}. */
public final class ClosedHandleException extends IllegalStateException {
    public ClosedHandleException(String what) {
        super(what + " is closed; it cannot be used after close()");
    }
}
