package dev.kvm4j.arm.cpu;

/** A register sync left registers unmoved; the message names each one. */
public final class RegisterSyncException extends RuntimeException {
    private final transient SyncResult result;

    public RegisterSyncException(SyncResult result) {
        super(result.describe());
        this.result = result;
    }

    public SyncResult result() { return result; }
}
