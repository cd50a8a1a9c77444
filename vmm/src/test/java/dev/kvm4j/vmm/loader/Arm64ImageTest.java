package dev.kvm4j.vmm.loader;

import dev.kvm4j.vmm.Layout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static dev.kvm4j.vmm.loader.LoadException.Problem.*;
import static org.junit.jupiter.api.Assertions.*;

class Arm64ImageTest {
    static final long RAM = 512 * Layout.MIB;

    @TempDir
    Path dir;

    private Path file(String name, byte[] data) throws IOException {
        return Files.write(dir.resolve(name), data);
    }

    private LoadException refused(Path f, LoadException.Problem problem) {
        LoadException e = assertThrows(LoadException.class, () -> KernelLoader.read(f, false, RAM));
        assertEquals(problem, e.problem(), e.getMessage());
        assertTrue(e.getMessage().startsWith("kernel " + f + ": "), e.getMessage());
        return e;
    }

    @Test
    void validImageIsLoadedAtRamBasePlusTextOffset() throws IOException {
        byte[] data = TestImages.arm64(8192, 0x80000, 8192 + 0x10000, 0b1010);
        KernelImage k = KernelLoader.read(file("Image", data), false, RAM);
        Arm64Image image = assertInstanceOf(Arm64Image.class, k);
        assertEquals(ExecutionState.AARCH64, k.state());
        assertEquals(0x80000, image.textOffset());
        assertEquals(Layout.RAM_BASE + 0x80000, k.loadAddress(Layout.RAM_BASE));
        assertEquals(Layout.RAM_BASE + 0x80000 + 8192 + 0x10000, k.footprintEnd(Layout.RAM_BASE), "image_size covers bss");
        assertArrayEquals(data, k.payload());
    }

    @Test
    void loadBaseIsRoundedUpTo2MiB() throws IOException {
        KernelImage k = KernelLoader.read(file("Image", TestImages.arm64(4096)), false, RAM);
        assertEquals(0x4020_0000L, k.loadAddress(0x4000_1000L));
    }

    @Test
    void imageSizeZeroMeansAnOldKernelAtTextOffset0x80000() throws IOException {
        Arm64Image k = (Arm64Image) KernelLoader.read(file("Image", TestImages.arm64(4096, 0, 0, 0)), false, RAM);
        assertEquals(Layout.ARM64_LEGACY_TEXT_OFFSET, k.textOffset());
        assertEquals(4096, k.imageSize());
    }

    @Test
    void bytesPastImageSizeAreNotLoaded() throws IOException {
        byte[] data = TestImages.arm64(8192, 0, 4096, 0);
        KernelImage k = KernelLoader.read(file("Image", data), false, RAM);
        assertArrayEquals(Arrays.copyOf(data, 4096), k.payload());
    }

    @Test
    void gzipCompressedImageIsDecompressed() throws IOException {
        byte[] data = TestImages.arm64(100_000);
        KernelImage k = KernelLoader.read(file("vmlinuz", TestImages.gzip(data)), false, RAM);
        assertArrayEquals(data, k.payload());
    }

    @Test
    void efiZbootWithGzipPayloadIsUnpacked() throws IOException {
        byte[] data = TestImages.arm64(50_000);
        KernelImage k = KernelLoader.read(file("vmlinuz.efi", TestImages.zboot(TestImages.gzip(data), "gzip")), false, RAM);
        assertArrayEquals(data, k.payload());
    }

    @Test
    void efiZbootWithOtherCompressionIsRefusedNamingIt() throws IOException {
        Path f = file("vmlinuz.efi", TestImages.zboot(new byte[100], "zstd"));
        LoadException e = refused(f, UNSUPPORTED);
        assertTrue(e.getMessage().contains("'zstd'"), e.getMessage());
    }

    @Test
    void wrongMagicIsRefusedWithOffsetAndExpectedValue() throws IOException {
        byte[] data = TestImages.arm64(4096);
        data[0x38] = 0x12;
        LoadException e = refused(file("Image", data), BAD_MAGIC);
        assertTrue(e.getMessage().contains("bad arm64 Image magic 0x644d5212 at offset 0x38"), e.getMessage());
        assertTrue(e.getMessage().contains("expected 0x644d5241 'ARM\\x64'"), e.getMessage());
    }

    @Test
    void zImageWithoutAarch32SuggestsTheFlag() throws IOException {
        LoadException e = refused(file("zImage", TestImages.zImage(4096, 0, 0)), BAD_MAGIC);
        assertTrue(e.getMessage().endsWith("this is a 32-bit ARM zImage: add --aarch32"), e.getMessage());
    }

    @Test
    void elfVmlinuxIsRecognised() throws IOException {
        byte[] elf = new byte[128];
        elf[0] = 0x7f;
        elf[1] = 'E';
        elf[2] = 'L';
        elf[3] = 'F';
        assertTrue(refused(file("vmlinux", elf), BAD_MAGIC).getMessage().contains("ELF"));
    }

    @Test
    void fileShorterThanTheHeaderIsTruncated() throws IOException {
        LoadException e = refused(file("Image", Arrays.copyOf(TestImages.arm64(4096), 40)), TRUNCATED);
        assertTrue(e.getMessage().contains("40 bytes, shorter than the 64-byte arm64 Image header"), e.getMessage());
    }

    @Test
    void bigEndianKernelIsRefused() throws IOException {
        refused(file("Image", TestImages.arm64(4096, 0, 8192, 1)), UNSUPPORTED);
    }

    @Test
    void unalignedTextOffsetIsRefused() throws IOException {
        LoadException e = refused(file("Image", TestImages.arm64(4096, 0x80010, 8192, 0)), BAD_HEADER);
        assertTrue(e.getMessage().contains("text_offset 0x80010"), e.getMessage());
    }

    @Test
    void fileLargerThanRamIsRefusedBeforeReading() throws IOException {
        Path f = file("Image", TestImages.arm64(4096));
        LoadException e = assertThrows(LoadException.class, () -> KernelLoader.read(f, false, 2048));
        assertEquals(TOO_BIG, e.problem());
        assertTrue(e.getMessage().contains("is 4 KiB, larger than guest RAM (2 KiB)"), e.getMessage());
    }

    @Test
    void gzipThatExpandsBeyondRamIsStoppedAtTheLimit() throws IOException {
        Path f = file("bomb.gz", TestImages.gzip(new byte[4 << 20]));
        LoadException e = assertThrows(LoadException.class, () -> KernelLoader.read(f, false, 1 << 20));
        assertEquals(TOO_BIG, e.problem());
        assertTrue(e.getMessage().contains("expands to more than 1 MiB"), e.getMessage());
    }

    @Test
    void truncatedGzipIsReportedAsTruncated() throws IOException {
        byte[] gz = TestImages.gzip(TestImages.arm64(100_000));
        refused(file("vmlinuz", Arrays.copyOf(gz, gz.length / 2)), TRUNCATED);
    }

    @Test
    void corruptGzipIsReportedAsCorrupt() throws IOException {
        byte[] gz = TestImages.gzip(TestImages.arm64(100_000));
        for (int i = 20; i < 60; i++) gz[i] ^= 0x5a;
        refused(file("vmlinuz", gz), CORRUPT);
    }

    @Test
    void missingFileAndDirectoryAreUnreadable() {
        assertTrue(refused(dir.resolve("nope"), UNREADABLE).getMessage().endsWith("no such file"));
        assertTrue(refused(dir, UNREADABLE).getMessage().endsWith("is a directory, not a file"));
    }

    @Test
    void emptyFileIsRefused() throws IOException {
        assertTrue(refused(file("Image", new byte[0]), TRUNCATED).getMessage().endsWith("is empty"));
    }
}
