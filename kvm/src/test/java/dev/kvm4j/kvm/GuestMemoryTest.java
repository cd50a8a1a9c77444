package dev.kvm4j.kvm;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class GuestMemoryTest {

    @Test
    void readsAndWritesByGuestPhysicalAddress() {
        try (GuestMemory ram = GuestMemory.allocate(0x4000_0000L, 0x10_0000)) {
            ram.writeLong(0x4000_0ff8L, 0x0102_0304_0506_0708L);
            assertEquals(0x0102_0304_0506_0708L, ram.readLong(0x4000_0ff8L));
            assertEquals(0x0506_0708, ram.readInt(0x4000_0ff8L));
            ram.write(0x400f_fffcL, new byte[] {1, 2, 3, 4});
            assertArrayEquals(new byte[] {1, 2, 3, 4}, ram.read(0x400f_fffcL, 4));
        }
    }

    @Test
    void accessOutsideRamNamesTheAddressAndTheRange() {
        try (GuestMemory ram = GuestMemory.allocate(0x4000_0000L, 0x10_0000)) {
            var e = assertThrows(GuestAddressException.class, () -> ram.readLong(0x400f_fffcL));
            assertEquals("guest physical address 0x400ffffc (8 bytes) is outside guest RAM [0x40000000, 0x40100000)", e.getMessage());
            assertThrows(GuestAddressException.class, () -> ram.writeInt(0x3fff_fffcL, 1));
            assertThrows(GuestAddressException.class, () -> ram.slice(Long.MAX_VALUE, 8));
        }
    }

    @Test
    void hugeAreasCostNothingUntilTouched() {
        try (GuestMemory ram = GuestMemory.allocate(0x1_0000_0000L, 64L << 30)) {
            ram.writeLong(0x1_0000_0000L + (63L << 30), 42);
            assertEquals(42, ram.readLong(0x1_0000_0000L + (63L << 30)));
        }
    }

    @Test
    void zeroClearsEveryPageWrittenBefore() {
        try (GuestMemory ram = GuestMemory.allocate(0x4000_0000L, 0x10_0000)) {
            ram.writeLong(0x4000_0000L, -1L);
            ram.writeLong(0x400f_fff8L, 0x1234L);
            ram.zero();
            assertEquals(0, ram.readLong(0x4000_0000L));
            assertEquals(0, ram.readLong(0x400f_fff8L));
            ram.writeInt(0x4000_1000L, 7); // still mapped and writable after the pages went back to the kernel
            assertEquals(7, ram.readInt(0x4000_1000L));
        }
    }

    @Test
    void useAfterCloseIsAClosedHandleError() {
        GuestMemory ram = GuestMemory.allocate(0, 0x1000);
        ram.close();
        ram.close();
        assertThrows(ClosedHandleException.class, () -> ram.readLong(0));
    }

    @Test
    void sizeAndAlignmentAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> GuestMemory.allocate(0, 1000));
        assertThrows(IllegalArgumentException.class, () -> GuestMemory.allocate(0x10, 0x1000));
    }
}
