package dev.kvm4j.kvm.sys;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** fallocate on a real temporary file: a punched hole reads as zeros, frees blocks and keeps the size. */
class FileSpaceTest {
    private static long allocated(Path p) throws Exception {
        Process stat = new ProcessBuilder("stat", "-c", "%b %B", p.toString()).start();
        String[] f = new String(stat.getInputStream().readAllBytes()).trim().split(" ");
        assertEquals(0, stat.waitFor());
        return Long.parseLong(f[0]) * Long.parseLong(f[1]);
    }

    @Test
    void punchHoleAndZeroRangeReadBackAsZerosAndKeepTheSize(@TempDir Path dir) throws Exception {
        byte[] data = new byte[4 << 20];
        Arrays.fill(data, (byte) 0x5a);
        Path p = Files.write(dir.resolve("f"), data);
        try (FileChannel c = FileChannel.open(p, StandardOpenOption.WRITE)) {
            c.force(true);
        }
        long before = allocated(p);
        try (FileSpace s = FileSpace.open(p)) {
            try {
                s.punchHole(1 << 20, 2 << 20);
            } catch (UnsupportedOperationException e) {
                assumeTrue(false, e.getMessage());
            }
            assertTrue(before - allocated(p) >= 2 << 20, "2 MiB freed: " + before + " -> " + allocated(p));
            try {
                s.zeroRange(0, 4096);
                Arrays.fill(data, 0, 4096, (byte) 0);
            } catch (UnsupportedOperationException e) {
                // tmpfs: no ZERO_RANGE, the caller writes zeros
            }
            assertThrows(IllegalArgumentException.class, () -> s.punchHole(Long.MAX_VALUE, 2));
            assertThrows(IllegalArgumentException.class, () -> s.punchHole(0, 0));
        }
        Arrays.fill(data, 1 << 20, 3 << 20, (byte) 0);
        assertArrayEquals(data, Files.readAllBytes(p));
    }

    @Test
    void aMissingFileIsOneLine(@TempDir Path dir) {
        var e = assertThrows(java.io.IOException.class, () -> FileSpace.open(dir.resolve("none")));
        assertTrue(e.getMessage().contains("no such file"), e.getMessage());
    }
}
