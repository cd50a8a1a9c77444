package dev.kvm4j.arm.regs;

/**
 * One line of a {@link CpuState} diff.
 *
 * @param id the register
 * @param before its value in the first state, or null if absent there
 * @param after its value in the second state, or null if absent there
 */
public record RegisterChange(RegisterId id, RegisterValue before, RegisterValue after) {
    /** {@code SCTLR_EL1: 0x30d00800 → 0x30d0180d}. */
    @Override
    public String toString() { return id.name() + ": " + show(before) + " → " + show(after); }

    private static String show(RegisterValue v) { return v == null ? "(absent)" : v.toString(); }
}
