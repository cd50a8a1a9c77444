package dev.kvm4j.arm.cpu;

/** A register sync left registers unmoved; the message names each one. */
public final class RegisterSyncException extends RuntimeException {
    private final transient SyncResult result;

    /**
     * A sync that left registers unmoved.
     *
     * @param result the sync, with its failures
     */
    public RegisterSyncException(SyncResult result) {
        super(result.describe());
        this.result = result;
    }

    /** {@return the sync, with its failures (null after deserialisation)} */
    public SyncResult result() { return result; }
}
