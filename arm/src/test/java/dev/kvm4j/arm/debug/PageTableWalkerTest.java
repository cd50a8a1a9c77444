package dev.kvm4j.arm.debug;

import dev.kvm4j.kvm.GuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hand-built page tables in guest RAM for each granule and format. Table indices are chosen so the entry
 * addresses can be checked by hand (most indices are 1: the entry is at table + 8, or + 4 for short descriptors).
 */
class PageTableWalkerTest {
    private static final long RAM = 0x4000_0000L, SIZE = 0x100_0000L;
    /** AArch64 TCR_EL1 fields. */
    private static final long TG0_4K = 0, TG0_64K = 1L << 14, TG0_16K = 2L << 14, TG1_4K = 2L << 30, EPD0 = 1L << 7, TBI0 = 1L << 37;
    private static final long SCTLR_M = 1, VALID_TABLE = 3, VALID_BLOCK = 1, AF = 1L << 10;

    private GuestMemory ram;
    private PhysicalMemory memory;

    @BeforeEach
    void map() {
        ram = GuestMemory.allocate(RAM, SIZE);
        memory = PhysicalMemory.of(ram);
    }

    @AfterEach
    void unmap() { ram.close(); }

    private Translation a64(long tcr, long ttbr0, long ttbr1, long va) {
        return PageTableWalker.translate(new TranslationRegime(false, SCTLR_M, tcr, ttbr0, ttbr1), va, memory);
    }

    private static long mapped(Translation t) { return assertInstanceOf(Translation.Mapped.class, t, t.toString()).physical(); }

    @Test
    void mmuOffIsIdentity() {
        assertEquals(new Translation.Mapped(0x4000_1234L, 1),
                PageTableWalker.translate(new TranslationRegime(false, 0, 0, 0, 0), 0x4000_1234L, memory));
        assertEquals(new Translation.Mapped(0x8000_0000L, 1),
                PageTableWalker.translate(new TranslationRegime(true, 0xc50078, 0, 0, 0), 0x8000_0000L, memory));
    }

    @Test
    void fourKilobyteGranuleFourLevelsThroughTtbr0() {
        long l0 = RAM + 0x10000, l1 = RAM + 0x11000, l2 = RAM + 0x12000, l3 = RAM + 0x13000, page = RAM + 0x20000;
        ram.writeLong(l0 + 8, l1 | VALID_TABLE);
        ram.writeLong(l1 + 8, l2 | VALID_TABLE);
        ram.writeLong(l2 + 8, l3 | VALID_TABLE);
        ram.writeLong(l3 + 8, page | AF | VALID_TABLE);
        // VA[47:39] = VA[38:30] = VA[29:21] = VA[20:12] = 1, offset 0x123
        long va = 0x0000_0080_4020_1123L;
        Translation t = a64(16 | TG0_4K, l0 | 0xabcdL << 48, 0, va); // an ASID in TTBR0[63:48] is not part of the address
        assertEquals(new Translation.Mapped(page + 0x123, 0x1000), t);
    }

    @Test
    void fourKilobyteGranuleBlocksAtLevelsOneAndTwoThroughTtbr1() {
        long l0 = RAM + 0x30000, l1 = RAM + 0x31000, l2 = RAM + 0x32000;
        long tcr = 16L << 16 | TG1_4K | 16 | TG0_4K;
        ram.writeLong(l0 + 8 * 511, l1 | VALID_TABLE);          // 0xffff_ff80_0000_0000 is VA[47:39] = 511
        ram.writeLong(l1 + 8 * 510, 0x8000_0000L | AF | VALID_BLOCK); // 1 GiB block
        ram.writeLong(l1 + 8 * 511, l2 | VALID_TABLE);
        ram.writeLong(l2 + 8 * 3, 0x4060_0000L | AF | VALID_BLOCK);   // 2 MiB block
        assertEquals(new Translation.Mapped(0x8123_4567L, 1L << 30), a64(tcr, 0, l0, 0xffff_ffff_8123_4567L));
        assertEquals(new Translation.Mapped(0x4061_2345L, 1L << 21), a64(tcr, 0, l0, 0xffff_ffff_c061_2345L));
    }

    /**
     * FEAT_LPA2 (TCR_EL1.DS = 1), as Debian's arm64 kernel sets it up on QEMU's max CPU: T1SZ 12 (52-bit VAs),
     * 4K granule, five levels starting at level -1 (VA[51:48]), and OA[51:50] in descriptor bits [9:8].
     */
    @Test
    void lpa2FourKilobyteGranuleFiveLevelsThroughTtbr1() {
        long lm1 = RAM + 0x50000, l0 = RAM + 0x51000, l1 = RAM + 0x52000, l2 = RAM + 0x53000, l3 = RAM + 0x54000, page = RAM + 0x55000;
        long ds = 1L << 59;
        long tcr = ds | 12L << 16 | TG1_4K | 12 | TG0_4K;
        ram.writeLong(lm1 + 8 * 15, l0 | VALID_TABLE);  // VA[51:48] = 0xf
        ram.writeLong(l0 + 8 * 511, l1 | VALID_TABLE);  // VA[47:39] = 511
        ram.writeLong(l1 + 8 * 2, l2 | VALID_TABLE);
        ram.writeLong(l2 + 8 * 3, l3 | VALID_TABLE);
        ram.writeLong(l3 + 8 * 4, page | AF | VALID_TABLE);
        long va = 0xfff0_0000_0000_0000L | 0xfL << 48 | 511L << 39 | 2L << 30 | 3L << 21 | 4L << 12 | 0x9ab;
        assertEquals(new Translation.Mapped(page + 0x9ab, 0x1000), a64(tcr, 0, lm1 | 0x2L << 48, va));
        // without DS the same TCR would clamp T1SZ to 16 and start a level short: the walk must not find the page
        assertInstanceOf(Translation.Fault.class, a64(tcr & ~ds, 0, lm1, va));
    }

    @Test
    void sixteenKilobyteGranuleThreeLevels() {
        long l1 = RAM + 0x40000, l2 = RAM + 0x44000, l3 = RAM + 0x48000, page = RAM + 0x4c000;
        ram.writeLong(l1 + 8, l2 | VALID_TABLE);
        ram.writeLong(l2 + 8, l3 | VALID_TABLE);
        ram.writeLong(l3 + 8, page | AF | VALID_TABLE);
        // T0SZ 17 (47 bits): level 1 = VA[46:36], level 2 = VA[35:25], level 3 = VA[24:14]
        long va = (1L << 36) | (1L << 25) | (1L << 14) | 0x567;
        assertEquals(new Translation.Mapped(page + 0x567, 0x4000), a64(17 | TG0_16K, l1, 0, va));
        // a 32 MiB block at level 2
        ram.writeLong(l2 + 16, 0x4200_0000L | AF | VALID_BLOCK);
        assertEquals(new Translation.Mapped(0x4212_3456L, 1L << 25), a64(17 | TG0_16K, l1, 0, (1L << 36) | (2L << 25) | 0x12_3456));
    }

    @Test
    void sixtyFourKilobyteGranuleTwoLevelsAndABlock() {
        long l2 = RAM + 0x50000, l3 = RAM + 0x60000, page = RAM + 0x70000;
        // T0SZ 22 (42 bits): level 2 = VA[41:29] (13 bits), level 3 = VA[28:16]
        long va = 0x0000_0200_2001_2345L;
        ram.writeLong(l2 + 8 * 0x1001, l3 | VALID_TABLE);
        ram.writeLong(l3 + 8, page | AF | VALID_TABLE);
        assertEquals(new Translation.Mapped(page + 0x2345, 0x1_0000), a64(22 | TG0_64K, l2, 0, va));
        ram.writeLong(l2 + 8 * 2, 0x6000_0000L | AF | VALID_BLOCK); // 512 MiB block
        assertEquals(new Translation.Mapped(0x6123_4567L, 1L << 29), a64(22 | TG0_64K, l2, 0, 0x4123_4567L));
    }

    @Test
    void threeLevelFourKilobyteWalkStartsAtLevelOne() {
        long l1 = RAM + 0x80000, l2 = RAM + 0x81000, l3 = RAM + 0x82000;
        // T0SZ 25 (39 bits): level 1 = VA[38:30]
        ram.writeLong(l1 + 8 * 2, l2 | VALID_TABLE);
        ram.writeLong(l2 + 8, l3 | VALID_TABLE);
        ram.writeLong(l3 + 8 * 3, 0x4123_4000L | AF | VALID_TABLE);
        assertEquals(0x4123_4abcL, mapped(a64(25, l1, 0, (2L << 30) | (1L << 21) | (3L << 12) | 0xabc)));
    }

    @Test
    void topByteIgnoredOnlyWhenTbiIsSet() {
        long l0 = RAM + 0x10000, l1 = RAM + 0x11000;
        ram.writeLong(l0, l1 | VALID_TABLE);
        ram.writeLong(l1 + 8, 0x4000_0000L | AF | VALID_BLOCK);
        long tagged = 0x5a00_0000_4000_0010L;
        assertEquals(0x4000_0010L, mapped(a64(16 | TBI0, l0, 0, tagged)));
        assertInstanceOf(Translation.Fault.class, a64(16, l0, 0, tagged));
    }

    @Test
    void everyBadWalkIsAFaultNeverAnException() {
        long l0 = RAM + 0x90000, l1 = RAM + 0x91000;
        ram.writeLong(l0, l1 | VALID_TABLE);
        ram.writeLong(l0 + 8, 0x7_0000_0000L | VALID_TABLE);           // next table outside RAM
        ram.writeLong(l0 + 16, 0x4000_0000L | VALID_BLOCK);           // block at level 0: not allowed with 4K
        ram.writeLong(l1, 0);                                          // invalid
        var outside = assertInstanceOf(Translation.Fault.class, a64(16, l0, 0, 1L << 39));
        assertEquals(1, outside.level());
        assertTrue(outside.reason().contains("not in RAM"), outside.reason());
        assertEquals(0, assertInstanceOf(Translation.Fault.class, a64(16, l0, 0, 2L << 39)).level());
        assertEquals(1, assertInstanceOf(Translation.Fault.class, a64(16, l0, 0, 0x1000)).level());
        assertInstanceOf(Translation.Fault.class, a64(16, l0, 0, 0x0001_0000_0000_0000L), "above a 48-bit TTBR0 range");
        assertInstanceOf(Translation.Fault.class, a64(16 | EPD0, l0, 0, 0x1000), "TTBR0 walks disabled");
        assertInstanceOf(Translation.Fault.class, a64(16, 0x7_0000_0000L, 0, 0x1000), "the root table is not in RAM");
        // a level-3 descriptor with bits[1:0] = 0b01 is reserved
        long m0 = RAM + 0xa0000, m1 = RAM + 0xa1000, m2 = RAM + 0xa2000, m3 = RAM + 0xa3000;
        ram.writeLong(m0, m1 | VALID_TABLE);
        ram.writeLong(m1, m2 | VALID_TABLE);
        ram.writeLong(m2, m3 | VALID_TABLE);
        ram.writeLong(m3, 0x4000_0000L | VALID_BLOCK);
        assertEquals(3, assertInstanceOf(Translation.Fault.class, a64(16, m0, 0, 0)).level());
        // garbage everywhere: whatever the result, it is a result
        for (long garbage : new long[]{-1L, 0x5555_5555_5555_5555L, 0xaaaa_aaaa_aaaa_aaaaL}) {
            ram.writeLong(m0, garbage);
            for (long tcr : new long[]{-1L, 0, 16 | TG0_64K, 63, 0x3fL << 16}) {
                for (long va : new long[]{0, -1L, 0x8000_0000_0000L}) {
                    assertTrue(PageTableWalker.translate(new TranslationRegime(false, 1, tcr, m0, garbage), va, memory) != null);
                    assertTrue(PageTableWalker.translate(new TranslationRegime(true, 1, tcr, garbage, garbage), va, memory) != null);
                }
            }
        }
    }

    // ---- AArch32 ----

    private Translation a32(long ttbcr, long ttbr0, long ttbr1, long va) {
        return PageTableWalker.translate(new TranslationRegime(true, 0xc5187d, ttbcr, ttbr0, ttbr1), va, memory);
    }

    @Test
    void shortDescriptorSectionsPagesAndSupersections() {
        long l1 = RAM + 0x10_0000L, l2 = RAM + 0x10_4000L;
        ram.writeInt(l1 + 4 * 0x801, 0x4560_0000 | 0xc02);                       // section
        ram.writeInt(l1 + 4 * 0x004, (int) (l2 | 1));                              // page table
        ram.writeInt(l2 + 4 * 0x05, 0x4571_2000 | 0x32);                           // small page
        ram.writeInt(l2 + 4 * 0x1a, 0x4580_0000 | 0x1);                            // large page (64 KiB)
        ram.writeInt(l1 + 4 * 0xc0a, 0x4500_0000 | 1 << 18 | 3 << 20 | 2);        // supersection, PA[35:32] = 3
        assertEquals(new Translation.Mapped(0x4562_3456L, 0x10_0000), a32(0, l1, 0, 0x8012_3456L));
        assertEquals(new Translation.Mapped(0x4571_2678L, 0x1000), a32(0, l1, 0, 0x0040_5678L));
        assertEquals(new Translation.Mapped(0x4580_abcdL, 0x1_0000), a32(0, l1, 0, 0x0041_abcdL));
        assertEquals(new Translation.Mapped(0x3_45ab_cdefL, 0x100_0000), a32(0, l1, 0, 0xc0ab_cdefL));
        assertEquals(1, assertInstanceOf(Translation.Fault.class, a32(0, l1, 0, 0x0010_0000L)).level());
        assertEquals(2, assertInstanceOf(Translation.Fault.class, a32(0, l1, 0, 0x0040_0000L)).level());
        assertInstanceOf(Translation.Fault.class, a32(1 << 4, l1, 0, 0x8012_3456L), "PD0");
    }

    @Test
    void shortDescriptorTtbcrNSplitsBetweenTheTables() {
        long t0 = RAM + 0x20_0000L, t1 = RAM + 0x20_4000L;
        // N = 2: TTBR0 covers 0..1 GiB with a 4 KiB table indexed by VA[29:20]; TTBR1 the rest, indexed by VA[31:20]
        ram.writeInt(t0 + 4 * 0x123, 0x4100_0000 | 2);
        ram.writeInt(t1 + 4 * 0xc01, 0x4200_0000 | 2);
        assertEquals(0x4105_6789L, mapped(a32(2, t0, t1, 0x1235_6789L)));
        assertEquals(0x4200_0001L, mapped(a32(2, t0, t1, 0xc010_0001L)));
    }

    @Test
    void lpaeThreeLevelsBlocksAndTheT1szSplit() {
        long l1 = RAM + 0x30_0000L, l2 = RAM + 0x30_1000L, l3 = RAM + 0x30_2000L;
        long eae = 1L << 31;
        // VA 0x8040_1234: level 1 = VA[31:30] = 2, level 2 = VA[29:21] = 2, level 3 = VA[20:12] = 1
        ram.writeLong(l1 + 8 * 2, l2 | VALID_TABLE);
        ram.writeLong(l2 + 8 * 2, l3 | VALID_TABLE);
        ram.writeLong(l3 + 8, 0x4444_4000L | AF | VALID_TABLE);
        ram.writeLong(l2 + 8 * 3, 0x12_3460_0000L | AF | VALID_BLOCK); // 2 MiB block above 4 GiB (40-bit PA)
        assertEquals(new Translation.Mapped(0x4444_4234L, 0x1000), a32(eae, l1 | 0x42L << 48, 0, 0x8040_1234L));
        assertEquals(new Translation.Mapped(0x12_3465_4321L, 1L << 21), a32(eae, l1, 0, 0x8065_4321L));

        // T1SZ = 2: TTBR1 covers 0xc000_0000.. with a walk starting at level 2 (30-bit input)
        long t1 = RAM + 0x31_0000L;
        ram.writeLong(t1 + 8, 0x4800_0000L | AF | VALID_BLOCK);
        assertEquals(0x4800_1000L, mapped(a32(eae | 2L << 16, l1, t1, 0xc020_1000L)));
        assertInstanceOf(Translation.Fault.class, a32(eae | 1 | 2L << 16, l1, t1, 0x9000_0000L), "in neither range");
    }
}
