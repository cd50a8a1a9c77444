package dev.kvm4j.vmm.gdb;

/** A Z/z answer: {@code OK}, the empty reply (not supported: gdb falls back), or no room left ({@code E28}). */
public enum BreakpointResult {
    /** Done: gdb gets {@code OK}. */
    OK,
    /** This type is not offered: gdb gets the empty reply and falls back (software watchpoints, no hbreak). */
    UNSUPPORTED,
    /** Every hardware slot of this kind is taken: gdb gets {@code E28}. */
    NO_ROOM
}
