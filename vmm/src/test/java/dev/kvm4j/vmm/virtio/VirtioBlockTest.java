package dev.kvm4j.vmm.virtio;

import dev.kvm4j.vmm.virtio.FakeDriver.Buf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static dev.kvm4j.vmm.virtio.FakeDriver.*;
import static org.junit.jupiter.api.Assertions.*;

/** virtio-blk through the transport's registers, as a Linux driver drives it. */
class VirtioBlockTest {
    static final long HDR = DATA, BUF = DATA + 0x1000, STATUS = DATA + 0x100;

    static Path disk(Path dir, int sectors) throws IOException {
        byte[] b = new byte[sectors * 512];
        for (int i = 0; i < b.length; i++) b[i] = (byte) (i * 7 + i / 512);
        return Files.write(dir.resolve("disk.img"), b);
    }

    static void header(FakeDriver d, int type, long sector) {
        d.ram.write(HDR, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(type).putInt(0).putLong(sector).array());
        d.ram.write(STATUS, new byte[]{(byte) 0xee});
    }

    static int status(FakeDriver d) { return d.ram.read(STATUS, 1)[0]; }

    @Test
    void readWriteFlushAndGetIdRoundTrip(@TempDir Path dir) throws Exception {
        Path img = disk(dir, 64);
        byte[] original = Files.readAllBytes(img);
        try (var d = new FakeDriver(VirtioBlock.open(img, false))) {
            long features = d.negotiate(-1L);
            assertEquals(VirtioBlock.DEVICE_ID, d.reg(VirtioMmio.DEVICE_ID));
            for (long f : new long[]{VirtioMmio.F_VERSION_1, VirtioBlock.F_FLUSH, VirtioBlock.F_SEG_MAX, VirtioBlock.F_BLK_SIZE}) {
                assertNotEquals(0, features & f, "feature bit " + Long.numberOfTrailingZeros(f));
            }
            assertEquals(0, features & VirtioBlock.F_RO);
            assertEquals(64, d.mmio.read(VirtioMmio.CONFIG, 4) | d.mmio.read(VirtioMmio.CONFIG + 4, 4) << 32, "capacity in sectors");
            assertEquals(512, d.mmio.read(VirtioMmio.CONFIG + 20, 4), "blk_size");
            d.reg(VirtioMmio.STATUS, 0);
            d.start();

            // Read sectors 2-3 into two writable buffers of 512.
            header(d, VirtioBlock.T_IN, 2);
            int head = d.submit(new Buf(HDR, 16, false), new Buf(BUF, 512, true), new Buf(BUF + 0x800, 512, true), new Buf(STATUS, 1, true));
            int[] used = d.awaitUsed(0);
            assertEquals(head, used[0]);
            assertEquals(1025, used[1], "data + status written");
            assertEquals(VirtioBlock.S_OK, status(d));
            assertArrayEquals(Arrays.copyOfRange(original, 1024, 1536), d.ram.read(BUF, 512));
            assertArrayEquals(Arrays.copyOfRange(original, 1536, 2048), d.ram.read(BUF + 0x800, 512));

            // Write sector 5.
            byte[] data = new byte[512];
            Arrays.fill(data, (byte) 0x5a);
            d.ram.write(BUF, data);
            header(d, VirtioBlock.T_OUT, 5);
            d.submit(new Buf(HDR, 16, false), new Buf(BUF, 512, false), new Buf(STATUS, 1, true));
            assertEquals(1, d.awaitUsed(1)[1]);
            assertEquals(VirtioBlock.S_OK, status(d));

            header(d, VirtioBlock.T_FLUSH, 0);
            d.submit(new Buf(HDR, 16, false), new Buf(STATUS, 1, true));
            d.awaitUsed(2);
            assertEquals(VirtioBlock.S_OK, status(d));

            header(d, VirtioBlock.T_GET_ID, 0);
            d.submit(new Buf(HDR, 16, false), new Buf(BUF, 20, true), new Buf(STATUS, 1, true));
            assertEquals(21, d.awaitUsed(3)[1]);
            assertEquals("disk.img", new String(d.ram.read(BUF, 20)).replace("\0", ""));
            assertTrue(d.problems.isEmpty(), d.problems.toString());
        }
        byte[] after = Files.readAllBytes(img);
        byte[] expected = original.clone();
        Arrays.fill(expected, 5 * 512, 6 * 512, (byte) 0x5a);
        assertArrayEquals(expected, after, "exactly sector 5 changed");
    }

    @Test
    void aReadOnlyDiskOffersRoAndRefusesWritesWithIoerr(@TempDir Path dir) throws Exception {
        Path img = disk(dir, 8);
        byte[] original = Files.readAllBytes(img);
        try (var d = new FakeDriver(VirtioBlock.open(img, true))) {
            assertNotEquals(0, d.negotiate(-1L) & VirtioBlock.F_RO);
            d.reg(VirtioMmio.STATUS, 0);
            d.start();
            header(d, VirtioBlock.T_OUT, 0);
            d.submit(new Buf(HDR, 16, false), new Buf(BUF, 512, false), new Buf(STATUS, 1, true));
            d.awaitUsed(0);
            assertEquals(VirtioBlock.S_IOERR, status(d));
        }
        assertArrayEquals(original, Files.readAllBytes(img));
    }

    @Test
    void anImageOpenReadWriteIsRefusedASecondTime(@TempDir Path dir) throws Exception {
        Path img = disk(dir, 8);
        try (VirtioBlock first = VirtioBlock.open(img, false)) {
            var e = assertThrows(IOException.class, () -> VirtioBlock.open(img, false));
            assertTrue(e.getMessage().contains(img.toString()), e.getMessage());
            assertThrows(IOException.class, () -> VirtioBlock.open(img, true), "read-only while another writes is refused too");
        }
        VirtioBlock.open(img, false).close(); // released with the first
    }

    /** Twelve data segments of uneven sizes (256 to 1280 bytes, 6 KiB in all) scattered over guest RAM. */
    static Buf[] request(boolean toGuest) {
        int[] sizes = {256, 512, 768, 1024, 1280, 256, 512, 256, 256, 512, 256, 256};
        Buf[] b = new Buf[14];
        b[0] = new Buf(HDR, 16, false);
        for (int i = 0; i < 12; i++) b[1 + i] = new Buf(BUF + 0x2000L * i + 8 * i, sizes[i], toGuest);
        b[13] = new Buf(STATUS, 1, true);
        return b;
    }

    @Test
    void aMultiSegmentWriteAndReadMoveEverySegmentInOrder(@TempDir Path dir) throws Exception {
        Path img = disk(dir, 64);
        byte[] original = Files.readAllBytes(img);
        Buf[] write = request(false), read = request(true);
        int total = 0;
        for (int i = 1; i < 13; i++) total += (int) write[i].len();
        assertEquals(6 * 1024, total);
        byte[] data = new byte[total];
        for (int i = 0; i < data.length; i++) data[i] = (byte) (i * 13 + 1);
        try (var d = new FakeDriver(VirtioBlock.open(img, false))) {
            d.start();
            for (int i = 1, at = 0; i < 13; at += (int) write[i].len(), i++) {
                d.ram.write(write[i].addr(), Arrays.copyOfRange(data, at, at + (int) write[i].len()));
            }
            header(d, VirtioBlock.T_OUT, 3);
            d.submit(write);
            assertEquals(1, d.awaitUsed(0)[1]);
            assertEquals(VirtioBlock.S_OK, status(d));

            for (int i = 1; i < 13; i++) d.ram.write(read[i].addr(), new byte[(int) read[i].len()]);
            header(d, VirtioBlock.T_IN, 3);
            d.submit(read);
            assertEquals(total + 1, d.awaitUsed(1)[1]);
            assertEquals(VirtioBlock.S_OK, status(d));
            for (int i = 1, at = 0; i < 13; at += (int) read[i].len(), i++) {
                assertArrayEquals(Arrays.copyOfRange(data, at, at + (int) read[i].len()), d.ram.read(read[i].addr(), (int) read[i].len()), "segment " + i);
            }
            assertTrue(d.problems.isEmpty(), d.problems.toString());
        }
        byte[] expected = original.clone();
        System.arraycopy(data, 0, expected, 3 * 512, data.length);
        assertArrayEquals(expected, Files.readAllBytes(img));
    }

    @Test
    void aReadThatMeetsTheEndOfAShrunkImageIsIoerrAndFillsWhatThereWas(@TempDir Path dir) throws Exception {
        Path img = disk(dir, 64);
        byte[] original = Files.readAllBytes(img);
        Buf[] read = request(true);
        try (var d = new FakeDriver(VirtioBlock.open(img, false))) {
            d.start();
            // the file shrinks under the open disk: 12 sectors from sector 52 would reach 64, the file ends at 56
            try (var c = java.nio.channels.FileChannel.open(img, java.nio.file.StandardOpenOption.WRITE)) {
                c.truncate(56 * 512);
            }
            for (int i = 1; i < 13; i++) d.ram.write(read[i].addr(), new byte[(int) read[i].len()]);
            header(d, VirtioBlock.T_IN, 52);
            d.submit(read);
            assertEquals(1, d.awaitUsed(0)[1], "only the status counts as written");
            assertEquals(VirtioBlock.S_IOERR, status(d));
            assertArrayEquals(Arrays.copyOfRange(original, 52 * 512, 52 * 512 + 256), d.ram.read(read[1].addr(), 256), "the bytes before the end arrived");

            header(d, VirtioBlock.T_IN, 64); // past the capacity: refused before any I/O
            d.submit(new Buf(HDR, 16, false), new Buf(BUF, 512, true), new Buf(STATUS, 1, true));
            d.awaitUsed(1);
            assertEquals(VirtioBlock.S_IOERR, status(d));
            assertTrue(d.problems.isEmpty(), d.problems.toString());
        }
    }
}
