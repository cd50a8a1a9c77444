package dev.kvm4j.arm.state;

/** A vGIC state that cannot be read or does not fit the VM it is restored into; the message says which part. */
public class GicStateException extends RuntimeException {
    public GicStateException(String message) { super(message); }

    public GicStateException(String message, Throwable cause) { super(message, cause); }
}
