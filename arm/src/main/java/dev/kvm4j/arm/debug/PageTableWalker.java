package dev.kvm4j.arm.debug;

/**
 * Translates guest virtual addresses by walking the guest's own stage-1 tables (EL1&amp;0 regime), the way the MMU
 * would for a read: AArch64 with 4K, 16K or 64K granules through TTBR0 or TTBR1; AArch32 short descriptors and
 * LPAE. The MMU off means VA = PA. Every failure, a bad descriptor or a table outside RAM, is a
 * {@link Translation.Fault}; the walk never throws for what the guest put in its tables.
 * <p>
 * Not modelled (the answer may then be a fault where the MMU would translate): FEAT_LPA2 (TCR.DS) 52-bit
 * addresses with 4K/16K granules, hierarchical permission bits (ignored: a debugger reads what is mapped),
 * stage 2 (KVM's; guest physical is what gdb wants).
 */
public final class PageTableWalker {
    private PageTableWalker() {}

    /**
     * Translates {@code va} as the MMU would for a read in regime {@code r}.
     *
     * @param r the vCPU's translation registers
     * @param va the guest virtual address
     * @param memory where the tables are read from
     * @return the physical address, or the fault and the level where the walk stopped
     */
    public static Translation translate(TranslationRegime r, long va, PhysicalMemory memory) {
        if (r.aarch32()) {
            va &= 0xffff_ffffL;
            if (!r.mmuEnabled()) return new Translation.Mapped(va, 1);
            return r.lpae() ? lpae(r, va, memory) : shortDescriptor(r, va, memory);
        }
        if (!r.mmuEnabled()) return new Translation.Mapped(va, 1);
        return aarch64(r, va, memory);
    }

    // ---- AArch64 ------------------------------------------------------------------------------------------

    private static Translation aarch64(TranslationRegime r, long va, PhysicalMemory memory) {
        long tcr = r.tcr();
        boolean upper = (va & (1L << 55)) != 0;
        int tsz = (int) (upper ? tcr >>> 16 : tcr) & 0x3f;
        boolean tbi = (tcr & (1L << (upper ? 38 : 37))) != 0;
        boolean walkDisabled = (tcr & (1L << (upper ? 23 : 7))) != 0;
        int granule = upper ? switch ((int) (tcr >>> 30) & 3) { case 1 -> 14; case 3 -> 16; default -> 12; }
                : switch ((int) (tcr >>> 14) & 3) { case 1 -> 16; case 2 -> 14; default -> 12; };
        // FEAT_LPA2 (TCR_EL1.DS, 4K and 16K granules): 52-bit VAs (TxSZ down to 12, a level -1 with 4K) and OAs.
        // Debian's arm64 kernel turns it on where the CPU has it (QEMU's max): without it the walk starts a level short.
        boolean lpa2 = granule != 16 && ((tcr >>> 59) & 1) != 0;
        int minTsz = lpa2 ? 12 : 16;
        if (tsz < minTsz || tsz > 48) tsz = Math.max(minTsz, Math.min(48, tsz)); // out-of-range TxSZ reads as the nearest legal one
        int inputBits = 64 - tsz;
        // Bits [63:inputBits] (or [55:inputBits] when the top byte is ignored) must all equal bit 55.
        int width = (tbi ? 56 : 64) - inputBits;
        long top = (va >>> inputBits) & ((1L << width) - 1);
        if (top != (upper ? (1L << width) - 1 : 0)) return Translation.fault(String.format("0x%x is outside both TTBR ranges (TxSZ %d)", va, tsz));
        if (walkDisabled) return Translation.fault("walks through TTBR" + (upper ? 1 : 0) + " are disabled (TCR_EL1.EPD" + (upper ? 1 : 0) + ")");
        boolean pa52 = granule == 16 && ((tcr >>> 32) & 7) == 6;
        long ttbr = upper ? r.ttbr1() : r.ttbr0();
        long base = ttbr & 0x0000_ffff_ffff_fffeL;
        if (pa52 || lpa2) base = (base & 0x0000_ffff_ffff_ffc0L) | ((ttbr >>> 2) & 0xf) << 48;
        int firstBlockLevel = granule == 12 ? (lpa2 ? 0 : 1) : 2;
        long oaMask = (lpa2 ? 0x0003_ffff_ffff_ffffL : 0x0000_ffff_ffff_ffffL) & -(1L << granule);
        return longDescriptor(va & ((1L << inputBits) - 1), va, inputBits, granule, base, oaMask, pa52, lpa2, firstBlockLevel, memory);
    }

    /**
     * The long-descriptor walk shared by AArch64 and AArch32 LPAE: {@code stride} = granule - 3 bits per level,
     * the first level chosen so the levels cover {@code inputBits}.
     */
    private static Translation longDescriptor(long input, long va, int inputBits, int granule, long tableBase, long oaMask,
                                              boolean pa52, boolean lpa2, int firstBlockLevel, PhysicalMemory memory) {
        int stride = granule - 3;
        int levels = (inputBits - granule + stride - 1) / stride;
        int level = 4 - levels;
        long table = tableBase;
        while (true) {
            int shift = granule + stride * (3 - level);
            int bitsHere = Math.min(stride, inputBits - shift);
            long index = (input >>> shift) & ((1L << bitsHere) - 1);
            // A table is aligned to its own size; the low bits of a misaligned base are ignored, as by the MMU.
            long at = (table & -(8L << bitsHere)) + 8 * index;
            var read = memory.read64(at);
            if (read.isEmpty()) return new Translation.Fault(String.format("the level-%d table entry at pa 0x%x is not in RAM", level, at), level);
            long d = read.getAsLong();
            long oa = d & oaMask;
            if (pa52) oa |= ((d >>> 12) & 0xf) << 48;
            if (lpa2) oa |= ((d >>> 8) & 3) << 50; // OA[51:50] sit where SH is without DS
            if ((d & 1) == 0) return new Translation.Fault(String.format("invalid descriptor 0x%x for va 0x%x", d, va), level);
            boolean tableOrPage = (d & 2) != 0;
            if (level == 3) {
                if (!tableOrPage) return new Translation.Fault(String.format("reserved level-3 descriptor 0x%x", d), level);
                return mapped(oa, granule, input);
            }
            if (!tableOrPage) {
                if (level < firstBlockLevel) return new Translation.Fault(String.format("block descriptor 0x%x not allowed at this level", d), level);
                return mapped(oa & -(1L << shift), shift, input);
            }
            table = oa;
            level++;
        }
    }

    private static Translation mapped(long outputBase, int sizeBits, long input) {
        long size = 1L << sizeBits;
        return new Translation.Mapped((outputBase & -size) | (input & (size - 1)), size);
    }

    // ---- AArch32 --------------------------------------------------------------------------------------------

    /** VMSAv7 short descriptors: TTBCR.N splits the space; 1 MB sections, 16 MB supersections, 64K and 4K pages. */
    private static Translation shortDescriptor(TranslationRegime r, long va, PhysicalMemory memory) {
        int n = (int) r.tcr() & 7;
        boolean useTtbr1 = n != 0 && (va >>> (32 - n)) != 0;
        if ((r.tcr() & (1L << (useTtbr1 ? 5 : 4))) != 0) return Translation.fault("walks through TTBR" + (useTtbr1 ? 1 : 0) + " are disabled (TTBCR.PD" + (useTtbr1 ? 1 : 0) + ")");
        long ttbr = (useTtbr1 ? r.ttbr1() : r.ttbr0()) & 0xffff_ffffL;
        int baseBits = useTtbr1 ? 14 : 14 - n;
        long indexMask = useTtbr1 ? 0xfff : (0xfffL >>> n);
        long l1At = (ttbr & -(1L << baseBits)) | ((va >>> 20) & indexMask) << 2;
        var l1 = memory.read32(l1At);
        if (l1.isEmpty()) return new Translation.Fault(String.format("the first-level entry at pa 0x%x is not in RAM", l1At), 1);
        long d = l1.getAsLong();
        switch ((int) d & 3) {
            case 0 -> {
                return new Translation.Fault(String.format("fault descriptor 0x%x for va 0x%x", d, va), 1);
            }
            case 1 -> {
                long l2At = (d & 0xffff_fc00L) | ((va >>> 12) & 0xff) << 2;
                var l2 = memory.read32(l2At);
                if (l2.isEmpty()) return new Translation.Fault(String.format("the second-level entry at pa 0x%x is not in RAM", l2At), 2);
                long p = l2.getAsLong();
                if ((p & 3) == 0) return new Translation.Fault(String.format("fault descriptor 0x%x for va 0x%x", p, va), 2);
                if ((p & 3) == 1) return new Translation.Mapped((p & 0xffff_0000L) | (va & 0xffff), 0x1_0000);
                return new Translation.Mapped((p & 0xffff_f000L) | (va & 0xfff), 0x1000);
            }
            default -> {
                if ((d & (1 << 18)) == 0) return new Translation.Mapped((d & 0xfff0_0000L) | (va & 0xf_ffff), 0x10_0000);
                long pa = (d & 0xff00_0000L) | ((d >>> 20) & 0xf) << 32 | ((d >>> 5) & 0xf) << 36;
                return new Translation.Mapped(pa | (va & 0xff_ffff), 0x100_0000);
            }
        }
    }

    /** VMSAv7 LPAE (TTBCR.EAE): 4K granule, 40-bit output, T0SZ/T1SZ choose the table. */
    private static Translation lpae(TranslationRegime r, long va, PhysicalMemory memory) {
        long tcr = r.tcr();
        int t0sz = (int) tcr & 7, t1sz = (int) (tcr >>> 16) & 7;
        boolean inTtbr0 = t0sz == 0 ? (t1sz == 0 || (va >>> (32 - t1sz)) != (1L << t1sz) - 1) : (va >>> (32 - t0sz)) == 0;
        boolean inTtbr1 = !inTtbr0 && (t1sz == 0 || (va >>> (32 - t1sz)) == (1L << t1sz) - 1);
        if (!inTtbr0 && !inTtbr1) return Translation.fault(String.format("0x%x is outside both TTBR ranges (T0SZ %d, T1SZ %d)", va, t0sz, t1sz));
        int tsz = inTtbr0 ? t0sz : t1sz;
        if ((tcr & (1L << (inTtbr0 ? 7 : 23))) != 0) return Translation.fault("walks through TTBR" + (inTtbr0 ? 0 : 1) + " are disabled (TTBCR.EPD" + (inTtbr0 ? 0 : 1) + ")");
        long base = (inTtbr0 ? r.ttbr0() : r.ttbr1()) & 0x0000_00ff_ffff_fff0L;
        int inputBits = 32 - tsz;
        long input = va & ((1L << inputBits) - 1);
        return longDescriptor(input, va, inputBits, 12, base, 0x0000_00ff_ffff_f000L, false, false, 1, memory);
    }
}
