package dev.kvm4j.kvm;

/** This host cannot give kvm4j what it needs: no /dev/kvm, no permission, or a missing capability. */
public final class KvmUnavailableException extends RuntimeException {
    /**
     * The host lacks what kvm4j needs.
     *
     * @param message one line: what is missing, and what would fix it
     */
    public KvmUnavailableException(String message) { super(message); }
}
