package dev.kvm4j.kvm.sys;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.*;

/** preadv/pwritev on a real temporary file: many buffers, more than IOV_MAX of them, and a read past the end. */
class VectoredIoTest {
    /** Buffers of sizes 1, 2, 3 ... cut from one native segment (with an empty one in between). */
    private static List<MemorySegment> cut(MemorySegment all, int count) {
        List<MemorySegment> out = new ArrayList<>();
        long at = 0;
        for (int i = 1; i <= count; i++) {
            out.add(all.asSlice(at, i));
            if (i == 7) out.add(all.asSlice(at, 0));
            at += i;
        }
        return out;
    }

    @Test
    void scatteredWriteAndReadRoundTripOverMoreThanIovMaxBuffers(@TempDir Path dir) throws Exception {
        int count = VectoredIo.IOV_MAX + 300;
        long bytes = (long) count * (count + 1) / 2;
        byte[] data = new byte[(int) bytes];
        for (int i = 0; i < data.length; i++) data[i] = (byte) (i * 31 + 7);
        Path p = Files.write(dir.resolve("f"), new byte[100 + data.length]);
        try (Arena arena = Arena.ofConfined(); VectoredIo io = VectoredIo.open(p, true)) {
            MemorySegment src = arena.allocate(bytes);
            MemorySegment.copy(data, 0, src, JAVA_BYTE, 0, data.length);
            assertEquals(bytes, io.pwritev(100, cut(src, count)));
            byte[] file = Files.readAllBytes(p);
            assertArrayEquals(data, Arrays.copyOfRange(file, 100, file.length));

            MemorySegment dst = arena.allocate(bytes);
            assertEquals(bytes, io.preadv(100, cut(dst, count)));
            assertArrayEquals(data, dst.toArray(JAVA_BYTE));
        }
    }

    @Test
    void aReadPastTheEndStopsShortAtTheEnd(@TempDir Path dir) throws Exception {
        byte[] data = new byte[10_000];
        Arrays.fill(data, (byte) 0x33);
        Path p = Files.write(dir.resolve("f"), data);
        try (Arena arena = Arena.ofConfined(); VectoredIo io = VectoredIo.open(p, false)) {
            MemorySegment dst = arena.allocate(8192).fill((byte) 0x77);
            List<MemorySegment> bufs = List.of(dst.asSlice(0, 4096), dst.asSlice(4096, 4096));
            assertEquals(10_000 - 6000, io.preadv(6000, bufs));
            byte[] got = dst.toArray(JAVA_BYTE);
            for (int i = 0; i < 4000; i++) assertEquals(0x33, got[i]);
            for (int i = 4000; i < 8192; i++) assertEquals(0x77, got[i], "untouched past the end");
            assertEquals(0, io.preadv(10_000, bufs));
            assertThrows(IllegalStateException.class, () -> io.pwritev(0, bufs), "opened read-only");
            assertThrows(IllegalArgumentException.class, () -> io.preadv(-1, bufs));
            assertThrows(IllegalArgumentException.class, () -> io.preadv(Long.MAX_VALUE - 100, bufs));
            assertThrows(IllegalArgumentException.class, () -> io.preadv(0, List.of(MemorySegment.ofArray(new byte[4]))));
        }
    }

    @Test
    void aMissingFileIsOneLine(@TempDir Path dir) {
        var e = assertThrows(java.io.IOException.class, () -> VectoredIo.open(dir.resolve("none"), false));
        assertTrue(e.getMessage().contains("no such file"), e.getMessage());
    }
}
