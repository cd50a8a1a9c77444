package dev.kvm4j.vmm.loader;

import dev.kvm4j.kvm.GuestMemory;
import dev.kvm4j.vmm.Layout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;

import static dev.kvm4j.vmm.loader.LoadException.Problem.*;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** A boot file is opened once, must be a regular file, and is never read past the size judged on the open file. */
class BootFileTest {
    private static final Duration PROMPTLY = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private final GuestMemory ram = GuestMemory.allocate(Layout.RAM_BASE, 64 * Layout.MIB);

    @AfterEach
    void free() {
        ram.close();
    }

    private LoadException refused(Path f, LoadException.Problem problem) {
        LoadException e = assertTimeoutPreemptively(PROMPTLY, () -> assertThrows(LoadException.class,
                () -> BootLoader.read(f, Optional.empty(), false, ram)), "must not block on " + f);
        assertEquals(problem, e.problem(), e.getMessage());
        assertTrue(e.getMessage().startsWith("kernel " + f + ": "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e;
    }

    @Test
    void aFifoIsRefusedWithoutOpeningIt() throws Exception {
        Path fifo = dir.resolve("vmlinuz.fifo");
        Process p = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assumeTrue(p.waitFor() == 0 && Files.exists(fifo), "mkfifo is not available here");
        // Opening a FIFO with no writer blocks forever: the check must come first.
        LoadException e = refused(fifo, UNREADABLE);
        assertTrue(e.getMessage().endsWith("is a pipe (FIFO), not a regular file; kvm4j reads kernels only from regular files (save it to a file first)"),
                e.getMessage());
    }

    @Test
    void aCharacterDeviceWithoutEndIsRefused() {
        Path zero = Path.of("/dev/zero");
        assumeTrue(Files.exists(zero), "no /dev/zero");
        assertTrue(refused(zero, UNREADABLE).getMessage().contains("is a character device, not a regular file"));
    }

    @Test
    void aSymlinkToARegularFileIsFollowed() throws IOException {
        byte[] image = TestImages.arm64(8192);
        Path target = Files.write(dir.resolve("Image-6.1"), image);
        Path link = Files.createSymbolicLink(dir.resolve("Image"), target);
        BootFiles files = BootLoader.read(link, Optional.empty(), false, ram);
        assertArrayEquals(image, ram.read(files.placement().kernel().start(), image.length));
    }

    @Test
    void aFileThatShrinksWhileReadIsAnError() throws IOException {
        Path f = Files.write(dir.resolve("initrd"), TestImages.pattern(100_000));
        try (BootFile in = BootFile.open("initrd", f, ram.size())) {
            assertEquals(100_000, in.size());
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
                ch.truncate(40_000);
            }
            LoadException e = assertThrows(LoadException.class, () -> in.read(0, ram.slice(Layout.RAM_BASE, 100_000)));
            assertEquals(TRUNCATED, e.problem());
            assertEquals("initrd " + f + ": changed while being read: it ended after 40000 of the 100000 bytes it had when opened", e.getMessage());
        }
    }

    @Test
    void aFileThatGrowsWhileReadIsReadOnlyAsFarAsJudged() throws IOException {
        byte[] original = TestImages.pattern(10_000);
        Path f = Files.write(dir.resolve("initrd"), original);
        try (BootFile in = BootFile.open("initrd", f, ram.size())) {
            Files.write(f, new byte[1 << 20], StandardOpenOption.APPEND);
            assertThrows(IllegalArgumentException.class, () -> in.read(0, ByteBuffer.allocate(10_001)), "no read past the judged size");
            assertArrayEquals(original, in.head(1 << 20));
            FileRegionStream s = new FileRegionStream(in, 0, in.size());
            assertEquals(10_000, s.readAllBytes().length);
        }
    }

    @Test
    void aFileSwappedAfterOpeningIsStillTheOneThatWasJudged() throws IOException {
        byte[] judged = TestImages.pattern(8192);
        Path f = Files.write(dir.resolve("initrd"), judged);
        Path other = Files.write(dir.resolve("other"), new byte[1 << 20]);
        try (BootFile in = BootFile.open("initrd", f, ram.size())) {
            Files.move(other, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment dst = arena.allocate(8192);
                in.read(0, dst);
                assertArrayEquals(judged, dst.toArray(ValueLayout.JAVA_BYTE));
            }
        }
    }

    @Test
    void theInitrdIsReadStraightToItsPlaceAndNoFurther() throws IOException {
        Path k = Files.write(dir.resolve("Image"), TestImages.arm64(8192));
        byte[] initrd = TestImages.pattern(5000);
        Path i = Files.write(dir.resolve("initrd"), initrd);
        BootFiles files = BootLoader.read(k, Optional.of(i), false, ram);
        var r = files.placement().initrd().orElseThrow();
        assertArrayEquals(initrd, ram.read(r.start(), initrd.length));
        assertEquals(0, ram.readLong(r.end()), "nothing after the initrd");
    }

    @Test
    void aMissingInitrdIsReportedBeforeTheKernelIsRead() throws IOException {
        Path k = Files.write(dir.resolve("Image"), TestImages.arm64(8192));
        Path i = dir.resolve("initrd.missing");
        LoadException e = assertThrows(LoadException.class, () -> BootLoader.read(k, Optional.of(i), false, ram));
        assertEquals("initrd " + i + ": no such file", e.getMessage());
        assertEquals(0, ram.readLong(Layout.RAM_BASE), "the kernel was not read");
    }

    @Test
    void controlCharactersInAPathDoNotBreakTheLine() {
        Path weird = dir.resolve("a\nb");
        LoadException e = assertThrows(LoadException.class, () -> BootLoader.read(weird, Optional.empty(), false, ram));
        assertEquals("kernel " + dir + "/a\\x0ab: no such file", e.getMessage());
    }

    @Test
    void headOfAShortFileIsTheWholeFile() throws IOException {
        Path f = Files.write(dir.resolve("tiny"), new byte[] {1, 2, 3});
        try (BootFile in = BootFile.open("kernel", f, ram.size())) {
            assertArrayEquals(new byte[] {1, 2, 3}, in.head(64));
            assertArrayEquals(Arrays.copyOf(new byte[] {1, 2, 3}, 2), in.head(2));
        }
    }
}
