package dev.kvm4j.arm.gic;

import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** The vGIC's checks that need no kernel: placement, messages, layouts. */
class VgicTest {
    private static final List<AddressRange> RAM = List.of(new AddressRange("RAM", 0x4000_0000L, 0x1000_0000L));

    @Test
    void v3RedistributorRegionGrowsWithTheVcpus() {
        var layout = (GicLayout.V3) GicLayout.of(GicVersion.V3, 0x0800_0000L, 0x080A_0000L, 4);
        assertEquals(4 * 0x20000L, layout.redistributorSize());
        assertEquals("vGICv3 redistributors (4 vCPUs) [0x80a0000, 0x8120000)", layout.frames().get(1).range().toString());
    }

    @Test
    void v2LayoutRefusesMoreThanEightVcpus() {
        var e = assertThrows(IllegalArgumentException.class, () -> GicLayout.of(GicVersion.V2, 0x0800_0000L, 0x0801_0000L, 9));
        assertTrue(e.getMessage().contains("at most 8"), e.getMessage());
    }

    @Test
    void overlapWithRamNamesBothRanges() {
        var e = assertThrows(GicException.AddressConflict.class,
                () -> Vgic.checkPlacement(new GicLayout.V2(0x4000_0000L, 0x0801_0000L), RAM));
        assertEquals("vGICv2 distributor [0x40000000, 0x40001000) overlaps RAM [0x40000000, 0x50000000): move one of them",
                e.getMessage());
        assertEquals("RAM", e.occupied().name());
    }

    @Test
    void theLastByteOfAFrameCountsAndTheFirstByteAfterDoesNot() {
        var device = List.of(new AddressRange("uart", 0x0910_0000L, 0x1000));
        assertThrows(GicException.AddressConflict.class,
                () -> Vgic.checkPlacement(new GicLayout.V3(0x0800_0000L, 0x0900_0000L, 9), device)); // ends at 0x9120000
        Vgic.checkPlacement(new GicLayout.V3(0x0800_0000L, 0x0900_0000L, 8), device);                 // ends at 0x9100000
    }

    @Test
    void framesMustNotOverlapEachOther() {
        var e = assertThrows(GicException.AddressConflict.class,
                () -> Vgic.checkPlacement(new GicLayout.V2(0x0800_0000L, 0x0800_0000L), List.of()));
        assertTrue(e.getMessage().contains("distributor") && e.getMessage().contains("CPU interface"), e.getMessage());
    }

    @Test
    void misalignedV3FrameIsRefusedBeforeAnyOverlapCheck() {
        var e = assertThrows(GicException.BadAddress.class,
                () -> Vgic.checkPlacement(new GicLayout.V3(0x0800_1000L, 0x080A_0000L, 1), RAM));
        assertTrue(e.getMessage().contains("not aligned to 0x10000"), e.getMessage());
    }

    @Test
    void notOfferedMessagesSayWhatTheHostOffersAndWhatToType() {
        assertEquals("vGICv3 requested, but this host offers vGICv2 only (its own GIC is v2): use --gic v2 or auto",
                Vgic.notOfferedMessage(GicVersion.V3, EnumSet.of(GicVersion.V2)));
        assertEquals("vGICv2 requested, but this host offers vGICv3 only (its own GIC is v3 without GICv2 compatibility): "
                + "use --gic v3 or auto", Vgic.notOfferedMessage(GicVersion.V2, EnumSet.of(GicVersion.V3)));
        assertTrue(Vgic.notOfferedMessage(GicVersion.AUTO, Set.of()).contains("no in-kernel vGIC"));
    }

    @Test
    void addressRangeRefusesEmptyAndWrappingRanges() {
        assertThrows(IllegalArgumentException.class, () -> new AddressRange("x", 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new AddressRange("x", Long.MAX_VALUE, 2));
    }
}
