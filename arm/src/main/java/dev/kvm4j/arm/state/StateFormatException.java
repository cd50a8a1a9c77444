package dev.kvm4j.arm.state;

import java.io.IOException;

/** Saved state bytes that are truncated, corrupt or of a format this kvm4j does not read; the message says where. */
public class StateFormatException extends IOException {
    /**
     * Bytes that are not a state this kvm4j reads.
     *
     * @param message the field, the byte offset and what is wrong
     */
    public StateFormatException(String message) { super(message); }
}
