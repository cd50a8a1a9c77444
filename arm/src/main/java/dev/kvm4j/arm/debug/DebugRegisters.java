package dev.kvm4j.arm.debug;

import java.util.Optional;

/**
 * Encodings of the hardware breakpoint and watchpoint registers ({@code DBGBCR<n>_EL1}, {@code DBGWCR<n>_EL1} in the Arm ARM),
 * as KVM loads them from {@code kvm_guest_debug_arch} while it debugs the guest.
 */
public final class DebugRegisters {
    private DebugRegisters() {}

    /**
     * A value/control pair for one slot.
     *
     * @param value DBGBVR or DBGWVR: the address
     * @param control DBGBCR or DBGWCR: enable, privilege, byte lanes, access kind, mask
     */
    public record Slot(long value, long control) {}

    private static final long E = 1;
    /** PMC/PAC = 0b11: match at EL1 and EL0, so a breakpoint in user space works as one in the kernel. */
    private static final long EL1_AND_EL0 = 0b11 << 1;
    private static final int BAS_SHIFT = 5;
    private static final int LSC_SHIFT = 3;
    private static final int MASK_SHIFT = 24;
    /** DBGWCR.MASK: 3 (8 bytes) .. 31 (2 GiB); 1 and 2 are reserved. */
    private static final int MIN_MASK = 3, MAX_MASK = 31;

    /**
     * An address-match breakpoint on the instruction at {@code address}. A64 and A32 instructions are word
     * aligned and match all four BAS bytes; a Thumb instruction matches the halfword it starts in.
     *
     * @param address the instruction's virtual address
     * @param set its instruction set
     * @return the register pair
     * @throws IllegalArgumentException for a misaligned address
     */
    public static Slot breakpoint(long address, InstructionSet set) {
        long bas;
        if (set == InstructionSet.T32) {
            if ((address & 1) != 0) throw new IllegalArgumentException(String.format("Thumb instruction address 0x%x is odd", address));
            bas = (address & 2) == 0 ? 0b0011 : 0b1100;
        } else {
            if ((address & 3) != 0) throw new IllegalArgumentException(String.format("%s instruction address 0x%x is not word aligned", set, address));
            bas = 0b1111;
        }
        return new Slot(address & ~3L, E | EL1_AND_EL0 | bas << BAS_SHIFT);
    }

    /**
     * A watchpoint on {@code [address, address+length)}: byte lanes (BAS) when the range lies in one aligned
     * doubleword, else an address mask when the range is a naturally aligned power of two from 8 bytes to 2 GiB.
     * Empty when the hardware cannot match exactly that range (gdb then falls back to software watchpoints).
     *
     * @param address the first virtual address
     * @param length the number of bytes
     * @param kind reads, writes or both
     * @return the register pair, or empty
     */
    public static Optional<Slot> watchpoint(long address, long length, WatchKind kind) {
        if (length <= 0) return Optional.empty();
        long control = E | EL1_AND_EL0 | (long) kind.lsc() << LSC_SHIFT;
        long offset = address & 7;
        if (offset + length <= 8) {
            long bas = ((1L << length) - 1) << offset;
            return Optional.of(new Slot(address & ~7L, control | bas << BAS_SHIFT));
        }
        if (Long.bitCount(length) != 1 || (address & (length - 1)) != 0) return Optional.empty();
        int mask = Long.numberOfTrailingZeros(length);
        if (mask < MIN_MASK || mask > MAX_MASK) return Optional.empty();
        return Optional.of(new Slot(address, control | 0xffL << BAS_SHIFT | (long) mask << MASK_SHIFT));
    }

    /**
     * Whether {@code far} lies in what the watchpoint {@code slot} matches (the FAR may be anywhere in the access).
     *
     * @param slot a watchpoint's register pair
     * @param far the fault address of a watchpoint exit
     * @return true if it matches
     */
    public static boolean watches(Slot slot, long far) {
        int mask = (int) (slot.control() >>> MASK_SHIFT) & 0x1f;
        if (mask != 0) return (far & -(1L << mask)) == slot.value();
        long bas = (slot.control() >>> BAS_SHIFT) & 0xff;
        return (far & ~7L) == slot.value() && (bas & (1L << (far & 7))) != 0;
    }
}
