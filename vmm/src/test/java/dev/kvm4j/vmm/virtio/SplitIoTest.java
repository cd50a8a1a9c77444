package dev.kvm4j.vmm.virtio;

import dev.kvm4j.kvm.sys.VectoredIo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** A large request cut in parts moved at once: the cuts, and every byte at its place in both directions. */
class SplitIoTest {
    /** Buffers of uneven sizes (the driver's segments need not be pages), so cuts fall inside buffers. */
    static List<MemorySegment> buffers(Arena arena, long total) {
        List<MemorySegment> out = new ArrayList<>();
        long left = total;
        for (int i = 0; left > 0; i++) {
            long n = Math.min(left, 512L * (1 + i % 13));
            out.add(arena.allocate(n));
            left -= n;
        }
        return out;
    }

    static long size(List<MemorySegment> data) {
        return data.stream().mapToLong(MemorySegment::byteSize).sum();
    }

    @Test
    void aSmallRequestIsOnePartAndALargeOneIsCutAtAlignedOffsetsCoveringItExactly() {
        try (Arena arena = Arena.ofConfined()) {
            List<MemorySegment> small = buffers(arena, SplitIo.MIN_PART * 2 - 512);
            assertEquals(1, SplitIo.cut(small, 4).size(), "two parts would each be under MIN_PART");
            assertSame(small, SplitIo.cut(small, 4).getFirst().data());

            List<MemorySegment> large = buffers(arena, 1024 * 1024 + 3 * 512);
            assertEquals(1, SplitIo.cut(large, 1).size());
            for (int parts = 2; parts <= 4; parts++) {
                List<SplitIo.Part> cut = SplitIo.cut(large, parts);
                assertEquals(parts, cut.size());
                long at = 0;
                List<Long> addresses = new ArrayList<>();
                for (SplitIo.Part p : cut) {
                    assertEquals(at, p.offset(), "parts follow each other");
                    if (p != cut.getLast()) assertEquals(0, p.offset() % SplitIo.ALIGN);
                    assertTrue(size(p.data()) >= SplitIo.MIN_PART, "part of " + size(p.data()));
                    at += size(p.data());
                    for (MemorySegment s : p.data()) {
                        for (long b = 0; b < s.byteSize(); b += 512) addresses.add(s.address() + b);
                    }
                }
                assertEquals(size(large), at, "the parts cover the request");
                List<Long> expected = new ArrayList<>();
                for (MemorySegment s : large) for (long b = 0; b < s.byteSize(); b += 512) expected.add(s.address() + b);
                assertEquals(expected, addresses, "the same memory, in the same order");
            }
        }
    }

    @Test
    void aCutReadAndWriteMoveEveryByteToItsPlace(@TempDir Path dir) throws Exception {
        int total = 1024 * 1024 + 5 * 512;
        byte[] file = new byte[total + 4096];
        for (int i = 0; i < file.length; i++) file[i] = (byte) (i * 31 + i / 4093);
        Path img = Files.write(dir.resolve("disk.img"), file);
        try (Arena arena = Arena.ofShared(); VectoredIo io = VectoredIo.open(img, true); SplitIo split = new SplitIo(io, 3, "test")) {
            List<MemorySegment> data = buffers(arena, total);
            assertEquals(total, split.transfer(true, 4096, data));
            byte[] read = new byte[total];
            int at = 0;
            for (MemorySegment s : data) {
                MemorySegment.copy(s, ValueLayout.JAVA_BYTE, 0, read, at, (int) s.byteSize());
                at += (int) s.byteSize();
            }
            assertArrayEquals(Arrays.copyOfRange(file, 4096, 4096 + total), read);

            for (MemorySegment s : data) s.fill((byte) ~s.byteSize());
            assertEquals(total, split.transfer(false, 512, data));
            byte[] expected = file.clone();
            at = 512;
            for (MemorySegment s : data) {
                Arrays.fill(expected, at, at + (int) s.byteSize(), (byte) ~s.byteSize());
                at += (int) s.byteSize();
            }
            assertArrayEquals(expected, Files.readAllBytes(img));
        }
    }

    @Test
    void aCutReadPastTheFilesEndMovesLessAndFillsWhatThereWas(@TempDir Path dir) throws Exception {
        byte[] file = new byte[600 * 1024];
        Arrays.fill(file, (byte) 7);
        Path img = Files.write(dir.resolve("disk.img"), file);
        try (Arena arena = Arena.ofShared(); VectoredIo io = VectoredIo.open(img, false); SplitIo split = new SplitIo(io, 2, "test")) {
            List<MemorySegment> data = buffers(arena, 1024 * 1024);
            assertEquals(600 * 1024, split.transfer(true, 0, data), "the second part finds the end");
            assertEquals(7, data.getFirst().get(ValueLayout.JAVA_BYTE, 0));
        }
    }
}
