package dev.kvm4j.arm.run;

import dev.kvm4j.arm.gic.AddressRange;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class MmioMapTest {
    private static final MmioHandler NOTHING = new MmioHandler() {
        @Override public long read(long offset, int size) { return 0; }
        @Override public void write(long offset, int size, long value) { }
    };

    private static MmioMap map() {
        return new MmioMap()
                .add(new AddressRange("uart", 0x0900_0000L, 0x1000), NOTHING)
                .add(new AddressRange("rtc", 0x0901_0000L, 0x1000), NOTHING)
                .add(new AddressRange("gpio", 0x0903_0000L, 0x1000), NOTHING);
    }

    @Test
    void anAccessFindsTheDeviceWhoseRangeHoldsAllOfIt() {
        MmioMap m = map();
        assertEquals("uart", m.find(0x0900_0000L, 4).name());
        assertEquals("uart", m.find(0x0900_0ff8L, 8).name());
        assertEquals("rtc", m.find(0x0901_0000L, 1).name());
        assertEquals("gpio", m.find(0x0903_0ffcL, 4).name());
    }

    @Test
    void anAccessOutsideEveryRangeOrRunningOffTheEndIsUnmapped() {
        MmioMap m = map();
        assertNull(m.find(0x08ff_ffffL, 1));
        assertNull(m.find(0x0900_1000L, 1));
        assertNull(m.find(0x0900_0ffcL, 8), "the access's last bytes are past the UART");
        assertNull(m.find(0x0902_0000L, 4));
        assertNull(m.find(0x7fff_ffff_ffff_fffcL, 8), "an access that wraps");
        assertNull(new MmioMap().find(0, 4));
    }

    @Test
    void anOverlappingRangeIsRefusedNamingBoth() {
        MmioMap m = map();
        var e = assertThrows(IllegalArgumentException.class, () -> m.add(new AddressRange("virtio", 0x0901_0800L, 0x1000), NOTHING));
        assertTrue(e.getMessage().contains("virtio [0x9010800, 0x9011800)"), e.getMessage());
        assertTrue(e.getMessage().contains("rtc [0x9010000, 0x9011000)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> m.add(new AddressRange("big", 0x0800_0000L, 0x0200_0000L), NOTHING));
    }

    @Test
    void adjacentRangesDoNotOverlapAndKeepAddressOrder() {
        MmioMap m = map().add(new AddressRange("below-rtc", 0x0900_f000L, 0x1000), NOTHING);
        assertEquals("below-rtc", m.find(0x0900_ffffL, 1).name());
        assertEquals("rtc", m.find(0x0901_0000L, 1).name());
        assertEquals(List.of("uart", "below-rtc", "rtc", "gpio"), m.regions().stream().map(MmioMap.Region::name).toList());
    }

    @Test
    void aLookupAllocatesNothing() {
        MmioMap m = map();
        long sink = 0;
        for (int i = 0; i < 20_000; i++) sink += m.find(0x0901_0000L + (i & 0xff8), 8).base(); // warm up
        long before = ThreadAllocation.bytes();
        for (int i = 0; i < 100_000; i++) sink += m.find(0x0901_0000L + (i & 0xff8), 8).base();
        long allocated = ThreadAllocation.bytes() - before;
        assertTrue(sink != 0);
        assertTrue(allocated < 1024, allocated + " bytes allocated by 100,000 lookups");
    }
}
