package dev.kvm4j.vmm.gdb;

/** gdb's Z/z packet types: {@code Z0} software breakpoint .. {@code Z4} access watchpoint. */
public enum BreakpointType {
    /** {@code Z0}: a software breakpoint. */
    SOFTWARE,
    /** {@code Z1}: a hardware breakpoint (a debug register). */
    HARDWARE,
    /** {@code Z2}: stop on a write to the watched bytes. */
    WRITE_WATCH,
    /** {@code Z3}: stop on a read of the watched bytes. */
    READ_WATCH,
    /** {@code Z4}: stop on a read or a write of the watched bytes. */
    ACCESS_WATCH;

    /**
     * The type of a {@code Z}/{@code z} packet's first field.
     *
     * @param z the packet's type number, 0 to 4
     * @return its type
     * @throws IllegalArgumentException when {@code z} is not 0 to 4
     */
    public static BreakpointType of(int z) {
        if (z < 0 || z >= values().length) throw new IllegalArgumentException("Z" + z + " is not a breakpoint type");
        return values()[z];
    }

    /**
     * Whether this is a watchpoint (on data) rather than a breakpoint (on an instruction).
     *
     * @return true for {@code Z2} to {@code Z4}
     */
    public boolean isWatchpoint() { return ordinal() >= WRITE_WATCH.ordinal(); }
}
