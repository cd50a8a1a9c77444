package dev.kvm4j.vmm.gdb;

/** gdb's Z/z packet types: {@code Z0} software breakpoint .. {@code Z4} access watchpoint. */
public enum BreakpointType {
    SOFTWARE, HARDWARE, WRITE_WATCH, READ_WATCH, ACCESS_WATCH;

    public static BreakpointType of(int z) {
        if (z < 0 || z >= values().length) throw new IllegalArgumentException("Z" + z + " is not a breakpoint type");
        return values()[z];
    }

    public boolean isWatchpoint() { return ordinal() >= WRITE_WATCH.ordinal(); }
}
