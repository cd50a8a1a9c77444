package dev.kvm4j.vmm.snapshot;

import dev.kvm4j.vmm.BadInputException;

/**
 * A snapshot file kvm4j will not restore: not a snapshot, another format version, damaged, truncated, or
 * taken on a host this one cannot stand in for. The message is one line naming the file and what is wrong.
 */
public class SnapshotException extends BadInputException {
    /**
     * A refusal.
     *
     * @param message one line naming the file and what is wrong
     */
    public SnapshotException(String message) { super(message); }

    /**
     * A refusal caused by another failure (an I/O error, say).
     *
     * @param message one line naming the file and what is wrong
     * @param cause what failed underneath
     */
    public SnapshotException(String message, Throwable cause) { super(message, cause); }
}
