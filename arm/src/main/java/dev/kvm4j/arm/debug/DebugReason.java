package dev.kvm4j.arm.debug;

/**
 * Why a vCPU stopped with KVM_EXIT_DEBUG, decoded from the exit's syndrome by {@link DebugExit}. Each kind
 * says what a debugger reports; {@link GuestBreak} is the guest's own breakpoint instruction, which belongs to
 * the guest and must go back to it ({@link ExceptionInjector}).
 */
public sealed interface DebugReason {
    /** {@return the PC the vCPU stopped at} */
    long pc();

    /**
     * A breakpoint instruction the debugger patched in (its address is in the {@link SoftwareBreakpoints} table).
     *
     * @param pc where it stopped
     * @param set the instruction set of the patched instruction
     */
    record SoftwareBreakpoint(long pc, InstructionSet set) implements DebugReason {}

    /**
     * A DBGBCR/DBGBVR breakpoint matched before the instruction at {@code pc} ran.
     *
     * @param pc where it stopped
     */
    record HardwareBreakpoint(long pc) implements DebugReason {}

    /**
     * A DBGWCR/DBGWVR watchpoint matched; the instruction did not complete.
     *
     * @param pc the accessing instruction
     * @param far the accessed address
     * @param write true for a write (or a cache maintenance instruction)
     */
    record Watchpoint(long pc, long far, boolean write) implements DebugReason {}

    /**
     * One instruction ran under KVM_GUESTDBG_SINGLESTEP.
     *
     * @param pc the next instruction
     */
    record SingleStep(long pc) implements DebugReason {}

    /**
     * A BRK/BKPT that is not in the debugger's table: the guest's own, to be re-injected.
     *
     * @param pc the instruction
     * @param esr its syndrome, for the re-injection
     * @param comment its immediate
     */
    record GuestBreak(long pc, long esr, int comment) implements DebugReason {}

    /**
     * A syndrome a debug exit should never carry; reported, never guessed at.
     *
     * @param pc where it stopped
     * @param esr the syndrome
     */
    record Unknown(long pc, long esr) implements DebugReason {}
}
