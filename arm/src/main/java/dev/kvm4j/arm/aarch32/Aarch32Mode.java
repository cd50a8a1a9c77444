package dev.kvm4j.arm.aarch32;

import static dev.kvm4j.arm.aarch32.Aarch32Banked.*;

/**
 * The AArch32 processor modes an EL1 guest can be in (and Hyp, whose SP is mapped too), with the bank each
 * mode's r8–r14 and SPSR come from. CPSR.M (bits 4:0) selects the mode; Monitor mode is EL3 and never
 * reaches a KVM guest.
 */
public enum Aarch32Mode {
    /** User mode (unprivileged, EL0). */
    USR(0x10, false, SP_USR, LR_USR, null),
    /** FIQ mode, with its own r8-r14. */
    FIQ(0x11, true, SP_FIQ, LR_FIQ, SPSR_FIQ),
    /** IRQ mode. */
    IRQ(0x12, false, SP_IRQ, LR_IRQ, SPSR_IRQ),
    /** Supervisor mode, where a kernel runs. */
    SVC(0x13, false, SP_SVC, LR_SVC, SPSR_SVC),
    /** Abort mode. */
    ABT(0x17, false, SP_ABT, LR_ABT, SPSR_ABT),
    /** Hyp banks only SP; its LR is usr's, its SPSR is SPSR_hyp in EL2 state. */
    HYP(0x1a, false, SP_HYP, LR_USR, null),
    /** Undefined mode. */
    UND(0x1b, false, SP_UND, LR_UND, SPSR_UND),
    /** System mode shares the usr bank and has no SPSR. */
    SYS(0x1f, false, SP_USR, LR_USR, null);

    /** CPSR.M: bits 4:0 (bit 4 set means AArch32). */
    public static final int MODE_MASK = 0x1f;

    private final int bits;
    private final boolean fiqBank;
    private final Aarch32Banked sp, lr, spsr;

    Aarch32Mode(int bits, boolean fiqBank, Aarch32Banked sp, Aarch32Banked lr, Aarch32Banked spsr) {
        this.bits = bits;
        this.fiqBank = fiqBank;
        this.sp = sp;
        this.lr = lr;
        this.spsr = spsr;
    }

    /** {@return the CPSR.M value} */
    public int bits() { return bits; }

    /** {@return r13 in this mode} */
    public Aarch32Banked sp() { return sp; }

    /** {@return r14 in this mode} */
    public Aarch32Banked lr() { return lr; }

    /**
     * Rn for n in 8..12: fiq's own copies in FIQ mode, usr's otherwise.
     *
     * @param n 8 to 12
     * @return the banked register
     * @throws IllegalArgumentException outside 8..12
     */
    public Aarch32Banked high(int n) {
        if (n < 8 || n > 12) throw new IllegalArgumentException("r" + n + " is not banked by r8-r12");
        return Aarch32Banked.valueOf("R" + n + (fiqBank ? "_FIQ" : "_USR"));
    }

    /**
     * {@return the SPSR of this mode; empty for USR and SYS, which have none, and HYP, whose is not a core register}
     */
    public java.util.Optional<Aarch32Banked> spsr() { return java.util.Optional.ofNullable(spsr); }

    /**
     * The mode a CPSR value is in.
     *
     * @param cpsr the CPSR (PSTATE) value
     * @return its mode
     * @throws IllegalArgumentException for an AArch64 PSTATE, Monitor mode or a value that is no mode
     */
    public static Aarch32Mode of(long cpsr) {
        int m = (int) (cpsr & MODE_MASK);
        if ((m & 0x10) == 0) {
            throw new IllegalArgumentException(String.format("PSTATE 0x%x is AArch64 (M[4] = 0): there is no AArch32 view of it", cpsr));
        }
        for (Aarch32Mode mode : values()) if (mode.bits == m) return mode;
        throw new IllegalArgumentException(String.format("CPSR 0x%x: mode 0x%x is %s", cpsr, m,
                m == 0x16 ? "Monitor, which only EL3 has" : "not an AArch32 mode"));
    }
}
