package dev.kvm4j.arm.debug;

/**
 * The parts of an exception syndrome (ESR_ELx in the Arm ARM) a debug exit needs. KVM reports the syndrome
 * of the debug exception the guest took to EL2, so the exception classes are the "lower EL" ones.
 */
public final class Esr {
    private Esr() {}

    /** Where the exception class starts in ESR. */
    public static final int EC_SHIFT = 26;
    /** EC: hardware breakpoint from a lower EL. */
    public static final int EC_HW_BP_LOW = 0x30;
    /** EC: hardware breakpoint from the current EL. */
    public static final int EC_HW_BP_CUR = 0x31;
    /** EC: software step from a lower EL. */
    public static final int EC_SOFTSTP_LOW = 0x32;
    /** EC: software step from the current EL. */
    public static final int EC_SOFTSTP_CUR = 0x33;
    /** EC: watchpoint from a lower EL. */
    public static final int EC_WATCHPT_LOW = 0x34;
    /** EC: watchpoint from the current EL. */
    public static final int EC_WATCHPT_CUR = 0x35;
    /** EC: BKPT in AArch32. */
    public static final int EC_BKPT32 = 0x38;
    /** EC: BRK in AArch64. */
    public static final int EC_BRK64 = 0x3c;

    /** ISS bit 6 of a watchpoint syndrome: the access was a write. */
    public static final int WATCHPT_WNR = 1 << 6;
    /** ISS bit 8 of a watchpoint syndrome: a cache maintenance instruction (reported as a write). */
    public static final int WATCHPT_CM = 1 << 8;

    /**
     * The exception class.
     *
     * @param esr the syndrome
     * @return bits 31:26
     */
    public static int ec(long esr) { return (int) (esr >>> EC_SHIFT) & 0x3f; }

    /**
     * The instruction-specific syndrome.
     *
     * @param esr the syndrome
     * @return bits 24:0
     */
    public static int iss(long esr) { return (int) (esr & 0x1ff_ffff); }

    /**
     * The 16-bit comment of BRK #imm (A64) or BKPT #imm (A32/T32).
     *
     * @param esr the syndrome of the breakpoint instruction
     * @return the immediate
     */
    public static int comment(long esr) { return (int) (esr & 0xffff); }
}
