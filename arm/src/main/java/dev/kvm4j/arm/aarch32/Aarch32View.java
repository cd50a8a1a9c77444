package dev.kvm4j.arm.aarch32;

import dev.kvm4j.arm.regs.CoreRegister;
import dev.kvm4j.arm.regs.CpuState;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.function.Supplier;

/**
 * An AArch32 guest's registers, read and written by their AArch32 names over a {@link CpuState} of AArch64
 * core registers. Pure functions: nothing is cached, so "r13" always means the r13 of the mode in CPSR.M,
 * and writing a new mode into "cpsr" switches which bank r8–r14 and "spsr" name.
 * <ul>
 * <li>{@code r0}–{@code r15}, {@code sp}, {@code lr}, {@code pc}, {@code spsr}: as seen in the current mode;
 * <li>banked copies by name: {@code sp_svc}, {@code r13_svc}, {@code lr_irq}, {@code r8_fiq}, {@code r12_usr},
 * {@code spsr_und}, {@code sp_hyp}, ... (see {@link Aarch32Banked});
 * <li>{@code cpsr} (PSTATE), {@code d0}–{@code d31} (the halves of V0–V15), {@code fpscr} (FPSR | FPCR).
 * </ul>
 */
public final class Aarch32View {
    /** FPSCR bits kept in FPSR: N Z C V QC and the cumulative exception flags IDC IXC UFC OFC DZC IOC. */
    public static final long FPSR_MASK = 0xf800009fL;
    /** FPSCR bits kept in FPCR: AHP DN FZ RMode Stride FZ16 Len and the trap enables. */
    public static final long FPCR_MASK = 0x07ff9f00L;

    private static final Pattern R = Pattern.compile("r(\\d{1,2})");
    private static final Pattern D = Pattern.compile("d(\\d{1,2})");
    private static final Map<String, Aarch32Banked> BANKED = new HashMap<>();

    static {
        for (Aarch32Banked b : Aarch32Banked.values()) {
            BANKED.put(b.archName(), b);
            if (b.archName().startsWith("sp_")) BANKED.put("r13_" + b.archName().substring(3), b);
            if (b.archName().startsWith("lr_")) BANKED.put("r14_" + b.archName().substring(3), b);
        }
    }

    private Aarch32View() {}

    /**
     * The mode CPSR.M selects.
     *
     * @param s the vCPU's state
     * @return the mode
     * @throws IllegalArgumentException for an AArch64 PSTATE
     */
    public static Aarch32Mode mode(CpuState s) { return Aarch32Mode.of(s.getLong(CoreRegister.PSTATE)); }

    /**
     * The value of an AArch32 register (32 bits; 64 for d0-d31).
     *
     * @param s the vCPU's state
     * @param name r0-r15, sp, lr, pc, cpsr, spsr, d0-d31, fpscr, or a banked name such as {@code sp_svc}
     * @return the value
     * @throws IllegalArgumentException for a name that is none of these, or one the mode has not
     */
    public static long read(CpuState s, String name) {
        long v = 0;
        for (Slice slice : locate(name, () -> mode(s))) v |= slice.read(s);
        return v;
    }

    /**
     * A state in which {@code name} holds {@code value}; other registers and bits are unchanged.
     *
     * @param s the vCPU's state
     * @param name an AArch32 register name, as for {@link #read}
     * @param value the value
     * @return the new state
     * @throws IllegalArgumentException for a name that is none of these, or one the mode has not
     */
    public static CpuState write(CpuState s, String name, long value) {
        CpuState out = s;
        for (Slice slice : locate(name, () -> mode(s))) out = slice.write(out, value);
        return out;
    }

    /**
     * The state with CPSR.M set to {@code mode}: what r13, r14, r8-r12 and spsr name changes with it.
     *
     * @param s the vCPU's state
     * @param mode the new mode
     * @return the new state
     */
    public static CpuState withMode(CpuState s, Aarch32Mode mode) {
        long cpsr = s.getLong(CoreRegister.PSTATE);
        return s.with(CoreRegister.PSTATE, (cpsr & ~(long) Aarch32Mode.MODE_MASK) | mode.bits());
    }

    /**
     * Where {@code name} lives when the CPU is in {@code mode}: the core-register bits, OR-ed together on
     * reads (only fpscr has two). {@code mode} may be null for names that do not depend on it.
     *
     * @param name an AArch32 register name, as for {@link #read}
     * @param mode the mode, or null
     * @return the slices
     * @throws IllegalArgumentException for an unknown name, or a mode-dependent one without a mode
     */
    public static List<Slice> locate(String name, Aarch32Mode mode) {
        return locate(name, () -> {
            if (mode == null) throw new IllegalArgumentException("'" + name + "' depends on the CPU mode; none was given");
            return mode;
        });
    }

    /** The mode is asked for only by names that depend on it, so cpsr, d0 or r0 read in any state. */
    private static List<Slice> locate(String name, Supplier<Aarch32Mode> modeOf) {
        String n = name.strip().toLowerCase(Locale.ROOT);
        Aarch32Banked banked = BANKED.get(n);
        if (banked != null) return List.of(low32(banked.holder()));
        switch (n) {
            case "cpsr": return List.of(low32(CoreRegister.PSTATE));
            case "fpscr": return List.of(new Slice(CoreRegister.FPSR, 0, FPSR_MASK), new Slice(CoreRegister.FPCR, 0, FPCR_MASK));
            case "sp": return locate("r13", modeOf);
            case "lr": return locate("r14", modeOf);
            case "pc": return locate("r15", modeOf);
            case "spsr": {
                Aarch32Mode mode = modeOf.get();
                Aarch32Banked spsr = mode.spsr().orElseThrow(() -> new IllegalArgumentException(
                        "spsr in " + mode + " mode: " + (mode == Aarch32Mode.HYP ? "SPSR_hyp is EL2 state, not a core register" : mode + " mode has no SPSR")));
                return List.of(low32(spsr.holder()));
            }
            default:
        }
        Matcher m = R.matcher(n);
        if (m.matches()) {
            int r = Integer.parseInt(m.group(1));
            if (r <= 7) return List.of(low32(CoreRegister.x(r)));
            if (r <= 12) return List.of(low32(modeOf.get().high(r).holder()));
            if (r == 13) return List.of(low32(modeOf.get().sp().holder()));
            if (r == 14) return List.of(low32(modeOf.get().lr().holder()));
            if (r == 15) return List.of(low32(CoreRegister.PC));
        }
        m = D.matcher(n);
        if (m.matches() && Integer.parseInt(m.group(1)) < 32) {
            int d = Integer.parseInt(m.group(1));
            return List.of(new Slice(CoreRegister.v(d / 2), d % 2, Slice.ALL64));
        }
        throw new IllegalArgumentException("'" + name + "' is not an AArch32 register name: r0-r15, sp, lr, pc, cpsr, spsr, "
                + "d0-d31, fpscr, or a banked name such as sp_svc, r13_irq, lr_abt, r8_fiq, r12_usr, spsr_und");
    }

    /** {@return every banked name, sorted, for listing and tests} */
    public static List<String> bankedNames() { return BANKED.keySet().stream().sorted().toList(); }

    private static Slice low32(CoreRegister r) { return new Slice(r, 0, Slice.LOW32); }
}
