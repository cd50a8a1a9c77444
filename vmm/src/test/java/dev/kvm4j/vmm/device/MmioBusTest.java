package dev.kvm4j.vmm.device;

import dev.kvm4j.vmm.GuestRange;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class MmioBusTest {
    /** Remembers accesses; reads return offset + size * 0x1000. */
    static final class Recorder implements MmioDevice {
        final List<String> log = new ArrayList<>();

        @Override public long read(long offset, int size) {
            log.add("r " + offset + "/" + size);
            return offset + size * 0x1000L;
        }

        @Override public void write(long offset, int size, long value) {
            log.add("w " + offset + "/" + size + "=" + value);
        }
    }

    @Test
    void accessesReachTheDeviceWithOffsetsFromItsBase() {
        MmioBus bus = new MmioBus();
        Recorder uart = new Recorder(), gic = new Recorder();
        bus.register("uart", new GuestRange(0x0900_0000L, 0x1000), uart);
        bus.register("gic", new GuestRange(0x0800_0000L, 0x10000), gic);

        assertEquals(0x18 + 0x4000, bus.read(0x0900_0018L, 4));
        bus.write(0x0900_0000L, 1, 'A');
        bus.write(0x0800_fffcL, 4, 7);
        assertEquals(List.of("r 24/4", "w 0/1=65"), uart.log);
        assertEquals(List.of("w 65532/4=7"), gic.log);
        assertEquals("uart", bus.deviceAt(0x0900_0fffL));
        assertNull(bus.deviceAt(0x0900_1000L));
    }

    @Test
    void unmappedAccessesReadZeroAndIgnoreWritesByDefault() {
        MmioBus bus = new MmioBus();
        Recorder d = new Recorder();
        bus.register("d", new GuestRange(0x1000, 0x1000), d);
        assertEquals(0, bus.read(0x0fff, 1));
        assertEquals(0, bus.read(0x2000, 4));
        bus.write(0x5000, 4, 1);
        assertTrue(d.log.isEmpty());
    }

    @Test
    void anAccessRunningPastTheEndOfARangeIsUnmapped() {
        List<String> unmapped = new ArrayList<>();
        MmioBus bus = new MmioBus(new MmioBus.Unmapped() {
            @Override public long read(long address, int size) {
                unmapped.add(Long.toHexString(address) + "/" + size);
                return -1;
            }

            @Override public void write(long address, int size, long value) { unmapped.add("w"); }
        });
        Recorder d = new Recorder();
        bus.register("d", new GuestRange(0x1000, 0x1000), d);
        assertEquals(-1, bus.read(0x1ffc, 8));
        assertEquals(List.of("1ffc/8"), unmapped);
        assertEquals(0x1ff8 - 0x1000 + 0x8000, bus.read(0x1ff8, 8));
    }

    @Test
    void overlappingRangesAreRefusedNamingBoth() {
        MmioBus bus = new MmioBus();
        bus.register("uart", new GuestRange(0x0900_0000L, 0x1000), new Recorder());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> bus.register("rtc", new GuestRange(0x0900_0800L, 0x1000), new Recorder()));
        assertEquals("MMIO range rtc [0x9000800, 0x9001800) overlaps uart [0x9000000, 0x9001000)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> bus.register("big", new GuestRange(0x0800_0000L, 0x0200_0000L), new Recorder()));
        assertThrows(IllegalArgumentException.class, () -> bus.register("before", new GuestRange(0x08ff_f000L, 0x1001), new Recorder()));
        assertThrows(IllegalArgumentException.class, () -> bus.register("empty", new GuestRange(0x1000, 0), new Recorder()));
    }

    @Test
    void adjacentRangesAreFine() {
        MmioBus bus = new MmioBus();
        Recorder a = new Recorder(), b = new Recorder(), c = new Recorder();
        bus.register("b", new GuestRange(0x2000, 0x1000), b);
        bus.register("a", new GuestRange(0x1000, 0x1000), a);
        bus.register("c", new GuestRange(0x3000, 0x1000), c);
        bus.read(0x1fff, 1);
        bus.read(0x2000, 1);
        bus.read(0x3000, 1);
        assertEquals(1, a.log.size());
        assertEquals(1, b.log.size());
        assertEquals(1, c.log.size());
    }

    @Test
    void manyDevicesAreFoundByBinarySearch() {
        MmioBus bus = new MmioBus();
        Recorder[] devices = new Recorder[200];
        for (int i = devices.length - 1; i >= 0; i--) {
            devices[i] = new Recorder();
            bus.register("d" + i, new GuestRange(0x10_0000L + i * 0x2000L, 0x1000), devices[i]);
        }
        for (int i = 0; i < devices.length; i++) {
            assertEquals(0x10 + 0x4000, bus.read(0x10_0000L + i * 0x2000L + 0x10, 4));
            assertEquals(0, bus.read(0x10_0000L + i * 0x2000L + 0x1000, 4), "the gap after d" + i);
            assertEquals(List.of("r 16/4"), devices[i].log);
        }
    }
}
