package dev.kvm4j.vmm.gdb;

/** What the session does after a command. */
sealed interface Reply {
    /** A text packet (possibly empty: "not supported"). */
    record Text(String payload) implements Reply {}

    /** A packet with binary data after a text prefix (qXfer). */
    record Binary(String prefix, byte[] data) implements Reply {}

    /** The target runs; the stop reply comes when it stops. */
    record Resumed() implements Reply {}

    /** Send {@code payload}, then end the session (detach). */
    record Detached(String payload) implements Reply {}

    /** End the session without a reply (kill). */
    record Killed() implements Reply {}

    Reply EMPTY = new Text("");
    Reply OK = new Text("OK");

    static Reply error(int errno) { return new Text(String.format("E%02x", errno & 0xff)); }
}
