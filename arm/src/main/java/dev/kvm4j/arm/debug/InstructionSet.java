package dev.kvm4j.arm.debug;

/** The instruction set a guest PC is in, and the breakpoint instruction a debugger patches there. */
public enum InstructionSet {
    /** {@code BRK #0}: what QEMU patches too, so a gdb user sees the same behaviour. */
    A64(0xd420_0000, 4),
    /** {@code BKPT #0} (ARM state, cond AL). */
    A32(0xe120_0070, 4),
    /** {@code BKPT #0} (Thumb, 16-bit): also right inside a 32-bit Thumb slot, where it replaces the first half. */
    T32(0xbe00, 2);

    private final int breakpoint;
    private final int size;

    InstructionSet(int breakpoint, int size) {
        this.breakpoint = breakpoint;
        this.size = size;
    }

    /** {@return the breakpoint instruction, little-endian in {@link #size()} bytes} */
    public int breakpoint() { return breakpoint; }

    /** {@return the size of the breakpoint instruction in bytes} */
    public int size() { return size; }

    /** {@return the breakpoint's bytes as they sit in (little-endian) guest memory} */
    public byte[] breakpointBytes() {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) b[i] = (byte) (breakpoint >>> (8 * i));
        return b;
    }

    /**
     * From a PSTATE/CPSR value: nRW (bit 4) says AArch32, then T (bit 5) says Thumb.
     *
     * @param pstate the vCPU's PSTATE
     * @return the instruction set it executes
     */
    public static InstructionSet of(long pstate) {
        if ((pstate & 0x10) == 0) return A64;
        return (pstate & 0x20) != 0 ? T32 : A32;
    }

    /**
     * gdb's breakpoint "kind" for Z0/Z1: 4 for A64/A32, 2 for 16-bit Thumb, 3 for a 32-bit Thumb instruction
     * (which gets the 16-bit BKPT in its first half).
     *
     * @param aarch32Guest whether the guest is AArch32
     * @param kind gdb's kind
     * @return the instruction set
     * @throws IllegalArgumentException for a kind that does not fit the guest
     */
    public static InstructionSet ofGdbKind(boolean aarch32Guest, int kind) {
        if (!aarch32Guest) {
            if (kind != 4) throw new IllegalArgumentException("an A64 breakpoint has kind 4, not " + kind);
            return A64;
        }
        return switch (kind) {
            case 2, 3 -> T32;
            case 4 -> A32;
            default -> throw new IllegalArgumentException("an AArch32 breakpoint has kind 2, 3 or 4, not " + kind);
        };
    }
}
