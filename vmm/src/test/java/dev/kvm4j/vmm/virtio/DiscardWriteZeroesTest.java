package dev.kvm4j.vmm.virtio;

import dev.kvm4j.vmm.virtio.FakeDriver.Buf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

import static dev.kvm4j.vmm.virtio.FakeDriver.DATA;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * DISCARD and WRITE_ZEROES through the transport, on a real temporary file: holes show as fewer allocated
 * blocks ({@code stat %b}), zeroed ranges read back as zeros, everything else stays, and a bad segment anywhere
 * in a request changes nothing.
 */
class DiscardWriteZeroesTest {
    static final long HDR = DATA, SEGS = DATA + 0x200, STATUS = DATA + 0x100;
    static final int MIB_SECTORS = 2048, SECTORS = 4 * MIB_SECTORS;

    static Path disk(Path dir) throws IOException {
        byte[] b = new byte[SECTORS * 512];
        for (int i = 0; i < b.length; i++) b[i] = (byte) (i * 7 + i / 512 + 1);
        Path p = Files.write(dir.resolve("disk.img"), b);
        try (FileChannel c = FileChannel.open(p, StandardOpenOption.WRITE)) {
            c.force(true); // allocated for real, so a hole shows in the block count
        }
        return p;
    }

    static long allocatedBytes(Path p) throws Exception {
        Process stat = new ProcessBuilder("stat", "-c", "%b %B", p.toString()).start();
        String[] f = new String(stat.getInputStream().readAllBytes()).trim().split(" ");
        assertEquals(0, stat.waitFor());
        return Long.parseLong(f[0]) * Long.parseLong(f[1]);
    }

    /** Submits a request of {@code type} with {@code segments} (sector, count, flags) triples; returns the status. */
    static int request(FakeDriver d, int n, int type, long... segments) throws InterruptedException {
        d.ram.write(HDR, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(type).putInt(0).putLong(0).array());
        d.ram.write(STATUS, new byte[]{(byte) 0xee});
        ByteBuffer s = ByteBuffer.allocate(segments.length / 3 * 16).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < segments.length; i += 3) s.putLong(segments[i]).putInt((int) segments[i + 1]).putInt((int) segments[i + 2]);
        d.ram.write(SEGS, s.array());
        d.submit(new Buf(HDR, 16, false), new Buf(SEGS, s.capacity(), false), new Buf(STATUS, 1, true));
        d.awaitUsed(n);
        return d.ram.read(STATUS, 1)[0];
    }

    static byte[] zeroed(byte[] b, long fromSector, long sectors) {
        byte[] out = b.clone();
        Arrays.fill(out, (int) (fromSector * 512), (int) ((fromSector + sectors) * 512), (byte) 0);
        return out;
    }

    @Test
    void discardPunchesAHoleAndWriteZeroesZeroes(@TempDir Path dir) throws Exception {
        Path img = disk(dir);
        byte[] original = Files.readAllBytes(img);
        try (var d = new FakeDriver(VirtioBlock.open(img, false))) {
            VirtioBlock blk = (VirtioBlock) d.mmio.device();
            assumeTrue(blk.discards(), "this file system cannot punch holes: discard is not offered");
            long features = d.negotiate(-1L);
            assertNotEquals(0, features & VirtioBlock.F_DISCARD);
            assertNotEquals(0, features & VirtioBlock.F_WRITE_ZEROES);
            assertEquals(DiscardWriteZeroes.MAX_SECTORS, d.mmio.read(VirtioMmio.CONFIG + 36, 4), "max_discard_sectors");
            assertEquals(DiscardWriteZeroes.MAX_SEGMENTS, d.mmio.read(VirtioMmio.CONFIG + 40, 4), "max_discard_seg");
            assertEquals(8, d.mmio.read(VirtioMmio.CONFIG + 44, 4), "discard_sector_alignment");
            assertEquals(DiscardWriteZeroes.MAX_SECTORS, d.mmio.read(VirtioMmio.CONFIG + 48, 4), "max_write_zeroes_sectors");
            assertEquals(1, d.mmio.read(VirtioMmio.CONFIG + 56, 1), "write_zeroes_may_unmap");
            d.reg(VirtioMmio.STATUS, 0);
            d.start();

            long before = allocatedBytes(img);
            assertEquals(VirtioBlock.S_OK, request(d, 0, VirtioBlock.T_DISCARD, MIB_SECTORS, MIB_SECTORS, 0));
            byte[] expected = zeroed(original, MIB_SECTORS, MIB_SECTORS);
            assertArrayEquals(expected, Files.readAllBytes(img), "the discarded MiB reads as zeros, the rest unchanged");
            long afterDiscard = allocatedBytes(img);
            assertTrue(before - afterDiscard >= (1 << 20), "a 1 MiB hole: allocated " + before + " -> " + afterDiscard);

            // write-zeroes in two segments, one with UNMAP (a hole), one without (zeroed in place)
            assertEquals(VirtioBlock.S_OK, request(d, 1, VirtioBlock.T_WRITE_ZEROES, 8, 8, 0, 3 * MIB_SECTORS, MIB_SECTORS, 1));
            expected = zeroed(zeroed(expected, 8, 8), 3 * MIB_SECTORS, MIB_SECTORS);
            assertArrayEquals(expected, Files.readAllBytes(img));
            assertTrue(afterDiscard - allocatedBytes(img) >= (1 << 20), "UNMAP made a hole");
            assertEquals(original.length, Files.size(img), "the file keeps its size");
            assertTrue(d.problems.isEmpty(), d.problems.toString());
        }
    }

    @Test
    void aBadSegmentAnywhereChangesNothing(@TempDir Path dir) throws Exception {
        Path img = disk(dir);
        byte[] original = Files.readAllBytes(img);
        try (var d = new FakeDriver(VirtioBlock.open(img, false))) {
            d.negotiate(-1L);
            d.reg(VirtioMmio.STATUS, 0);
            d.start();
            int n = 0;
            // a good segment first, then one past the end / overflowing / too long / with bad flags
            assertEquals(VirtioBlock.S_IOERR, request(d, n++, VirtioBlock.T_WRITE_ZEROES, 0, 8, 0, SECTORS - 4, 8, 0));
            assertEquals(VirtioBlock.S_IOERR, request(d, n++, VirtioBlock.T_WRITE_ZEROES, 0, 8, 0, SECTORS + 1, 0, 0));
            assertEquals(VirtioBlock.S_IOERR, request(d, n++, VirtioBlock.T_WRITE_ZEROES, 0, 8, 0, -8L, 16, 0)); // 2^64 - 8
            assertEquals(VirtioBlock.S_IOERR, request(d, n++, VirtioBlock.T_WRITE_ZEROES, 0, 8, 0, 0x7fff_ffff_ffff_fff8L, 0xffff_ffffL, 0));
            assertEquals(VirtioBlock.S_IOERR, request(d, n++, VirtioBlock.T_WRITE_ZEROES, 0, DiscardWriteZeroes.MAX_SECTORS + 1L, 0));
            assertEquals(VirtioBlock.S_UNSUPP, request(d, n++, VirtioBlock.T_WRITE_ZEROES, 0, 8, 0, 16, 8, 2));
            if (((VirtioBlock) d.mmio.device()).discards()) {
                assertEquals(VirtioBlock.S_UNSUPP, request(d, n++, VirtioBlock.T_DISCARD, 0, 8, 0, 16, 8, 1)); // UNMAP on a discard
            }
            long[] seventeen = new long[3 * (DiscardWriteZeroes.MAX_SEGMENTS + 1)];
            for (int i = 0; i < seventeen.length; i += 3) seventeen[i + 1] = 1;
            assertEquals(VirtioBlock.S_IOERR, request(d, n++, VirtioBlock.T_WRITE_ZEROES, seventeen));
            // a segment array that is not whole segments
            d.ram.write(HDR, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(VirtioBlock.T_WRITE_ZEROES).putInt(0).putLong(0).array());
            d.submit(new Buf(HDR, 16, false), new Buf(SEGS, 12, false), new Buf(STATUS, 1, true));
            d.awaitUsed(n++);
            assertEquals(VirtioBlock.S_IOERR, d.ram.read(STATUS, 1)[0]);
            assertTrue(d.problems.isEmpty(), d.problems.toString());
            // segments in a device-writable buffer break the protocol
            d.ram.write(HDR, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(VirtioBlock.T_DISCARD).putInt(0).putLong(0).array());
            d.submit(new Buf(HDR, 16, false), new Buf(SEGS, 16, true), new Buf(STATUS, 1, true));
            assertTrue(d.awaitNeedsReset().contains("must be device-readable"), d.problems.toString());
        }
        assertArrayEquals(original, Files.readAllBytes(img), "no request changed the disk");
    }

    @Test
    void aReadOnlyDiskOffersNeitherAndRefuses(@TempDir Path dir) throws Exception {
        Path img = disk(dir);
        byte[] original = Files.readAllBytes(img);
        try (var d = new FakeDriver(VirtioBlock.open(img, true))) {
            long features = d.negotiate(-1L);
            assertEquals(0, features & (VirtioBlock.F_DISCARD | VirtioBlock.F_WRITE_ZEROES));
            d.reg(VirtioMmio.STATUS, 0);
            d.start();
            assertEquals(VirtioBlock.S_IOERR, request(d, 0, VirtioBlock.T_WRITE_ZEROES, 0, 8, 0));
            assertEquals(VirtioBlock.S_IOERR, request(d, 1, VirtioBlock.T_DISCARD, 0, 8, 0));
        }
        assertArrayEquals(original, Files.readAllBytes(img));
    }
}
