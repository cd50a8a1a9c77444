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
    /**
     * Which target description gdb gets: AArch64 or AArch32 ("arm").
     *
     * @return the register layout gdb is told about
     */
    TargetDescription description();

    /**
     * The vCPU ids, in order; gdb's thread ids are these plus one (gdb's thread ids start at 1).
     *
     * @return the machine's vCPU ids
     */
    List<Integer> vcpus();

    /**
     * Register {@code regno} (gdb's numbering, {@link TargetDescription}) of {@code vcpu}, little-endian, its full size.
     *
     * @param vcpu the vCPU id
     * @param regno gdb's register number
     * @return the register's bytes, little-endian
     * @throws TargetException when the register does not exist or cannot be read
     */
    byte[] readRegister(int vcpu, int regno) throws TargetException;

    /**
     * Sets register {@code regno} of {@code vcpu}.
     *
     * @param vcpu the vCPU id
     * @param regno gdb's register number
     * @param value the new value, little-endian, the register's full size
     * @throws TargetException when the register does not exist, the size is wrong or the write fails
     */
    void writeRegister(int vcpu, int regno, byte[] value) throws TargetException;

    /**
     * Guest virtual memory as {@code vcpu}'s translation regime sees it.
     *
     * @param vcpu the vCPU whose translation is used
     * @param address the guest virtual address of the first byte
     * @param length how many bytes
     * @return the bytes read
     * @throws TargetException when an address does not translate or is not RAM
     */
    byte[] readMemory(int vcpu, long address, int length) throws TargetException;

    /**
     * Writes guest virtual memory as {@code vcpu}'s translation regime sees it.
     *
     * @param vcpu the vCPU whose translation is used
     * @param address the guest virtual address of the first byte
     * @param data the bytes to write
     * @throws TargetException when an address does not translate or is not RAM
     */
    void writeMemory(int vcpu, long address, byte[] data) throws TargetException;

    /**
     * Inserts a breakpoint or watchpoint; {@code kind} is gdb's (instruction size for Z0/Z1, byte length for
     * Z2..Z4). {@link BreakpointResult#UNSUPPORTED} makes gdb fall back (software watchpoints, no hbreak).
     *
     * @param type the packet's type
     * @param address the guest virtual address
     * @param kind gdb's kind field
     * @return whether it was inserted, or why not
     * @throws TargetException when the breakpoint cannot be set (for example unreadable memory)
     */
    BreakpointResult insertBreakpoint(BreakpointType type, long address, int kind) throws TargetException;

    /**
     * Removes a breakpoint or watchpoint inserted with the same arguments.
     *
     * @param type the packet's type
     * @param address the guest virtual address
     * @param kind gdb's kind field
     * @return whether it was removed, or why not
     * @throws TargetException when the breakpoint cannot be removed
     */
    BreakpointResult removeBreakpoint(BreakpointType type, long address, int kind) throws TargetException;

    /**
     * Lets the machine run: {@code stepVcpu} (or -1) single-steps one instruction on that vCPU, while the
     * others stay paused (or all run when no vCPU steps). Returns at once; the next stop goes to {@code listener}.
     *
     * @param stepVcpu the vCPU to single-step, or -1 to run them all
     * @param listener receives the next stop, from any thread
     * @throws TargetException when the vCPUs cannot be set running (for example guest debug cannot be set)
     */
    void resume(int stepVcpu, StopListener listener) throws TargetException;

    /** Stops a running machine (gdb's Ctrl-C); the stop is reported to the listener given to {@link #resume}. */
    void interrupt();

    /**
     * A gdb has connected: stop the target if it runs (after an earlier gdb detached, or {@code --gdb} without
     * {@code --gdb-wait}), since gdb's first questions read registers. Returns once every vCPU is parked.
     */
    default void attach() {}

    /**
     * The reason of the last stop, for {@code ?} (the target is stopped once {@link #attach} returned).
     *
     * @return the last stop
     */
    StopEvent lastStop();

    /** gdb is gone or detached: remove every breakpoint and watchpoint, turn guest debug off, let the guest run. */
    void detach();

    /** gdb's {@code k}: end the machine. */
    void kill();

    /** Receives the next stop; called once per {@link #resume}. */
    @FunctionalInterface
    interface StopListener {
        /**
         * The target has stopped.
         *
         * @param event why
         */
        void stopped(StopEvent event);
    }
}
