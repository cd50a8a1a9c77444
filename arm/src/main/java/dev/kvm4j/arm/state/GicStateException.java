package dev.kvm4j.arm.state;

/** A vGIC state that cannot be read or does not fit the VM it is restored into; the message says which part. */
public class GicStateException extends RuntimeException {
    /**
     * A vGIC state problem.
     *
     * @param message which part, and what is wrong
     */
    public GicStateException(String message) { super(message); }

    /**
     * A vGIC state problem that another failure led to.
     *
     * @param message which part, and what is wrong
     * @param cause the failure, usually a {@code KvmException}
     */
    public GicStateException(String message, Throwable cause) { super(message, cause); }
}
