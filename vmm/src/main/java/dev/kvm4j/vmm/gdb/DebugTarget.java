package dev.kvm4j.vmm.gdb;

import java.util.List;

/**
 * What the gdb stub debugs: a machine whose threads are its vCPUs. The stub calls it from its one session
 * thread; {@link #resume} returns at once and the target later reports the stop through the listener, from any
 * thread. Every other method is called only while the target is stopped (all vCPUs paused).
 * <p>
 * Failures are {@link TargetException}s with a one-line message; the stub turns them into {@code E} replies,
 * so the guest never dies because of something gdb asked.
 */
public interface DebugTarget {
    /** Which target description gdb gets: AArch64 or AArch32 ("arm"). */
    TargetDescription description();

    /** The vCPU ids, in order; gdb's thread ids are these plus one (gdb's thread ids start at 1). */
    List<Integer> vcpus();

    /** Register {@code regno} (gdb's numbering, {@link TargetDescription}) of {@code vcpu}, little-endian, its full size. */
    byte[] readRegister(int vcpu, int regno) throws TargetException;

    void writeRegister(int vcpu, int regno, byte[] value) throws TargetException;

    /** Guest virtual memory as {@code vcpu}'s translation regime sees it. */
    byte[] readMemory(int vcpu, long address, int length) throws TargetException;

    void writeMemory(int vcpu, long address, byte[] data) throws TargetException;

    /**
     * Inserts a breakpoint or watchpoint; {@code kind} is gdb's (instruction size for Z0/Z1, byte length for
     * Z2..Z4). {@link BreakpointResult#UNSUPPORTED} makes gdb fall back (software watchpoints, no hbreak).
     */
    BreakpointResult insertBreakpoint(BreakpointType type, long address, int kind) throws TargetException;

    BreakpointResult removeBreakpoint(BreakpointType type, long address, int kind) throws TargetException;

    /**
     * Lets the machine run: {@code stepVcpu} (or -1) single-steps one instruction on that vCPU, while the
     * others stay paused (or all run when no vCPU steps). Returns at once; the next stop goes to {@code listener}.
     */
    void resume(int stepVcpu, StopListener listener) throws TargetException;

    /** Stops a running machine (gdb's Ctrl-C); the stop is reported to the listener given to {@link #resume}. */
    void interrupt();

    /**
     * A gdb has connected: stop the target if it runs (after an earlier gdb detached, or {@code --gdb} without
     * {@code --gdb-wait}), since gdb's first questions read registers. Returns once every vCPU is parked.
     */
    default void attach() {}

    /** The reason of the last stop, for {@code ?} (the target is stopped once {@link #attach} returned). */
    StopEvent lastStop();

    /** gdb is gone or detached: remove every breakpoint and watchpoint, turn guest debug off, let the guest run. */
    void detach();

    /** gdb's {@code k}: end the machine. */
    void kill();

    /** Receives the next stop; called once per {@link #resume}. */
    @FunctionalInterface
    interface StopListener {
        void stopped(StopEvent event);
    }
}
