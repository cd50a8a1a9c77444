package dev.kvm4j.vmm.loader;

import dev.kvm4j.kvm.GuestMemory;
import dev.kvm4j.vmm.Layout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static dev.kvm4j.vmm.loader.LoadException.Problem.*;
import static org.junit.jupiter.api.Assertions.*;

class ZImageTest {
    static final long RAM = 256 * Layout.MIB;

    @TempDir
    Path dir;

    private final GuestMemory ram = GuestMemory.allocate(Layout.RAM_BASE, RAM);

    @AfterEach
    void free() {
        ram.close();
    }

    private KernelImage load(Path f) {
        return KernelLoader.load(f, true, ram);
    }

    private Path file(byte[] data) throws IOException {
        return Files.write(dir.resolve("zImage"), data);
    }

    private LoadException refused(byte[] data, LoadException.Problem problem) throws IOException {
        Path f = file(data);
        LoadException e = assertThrows(LoadException.class, () -> load(f));
        assertEquals(problem, e.problem(), e.getMessage());
        assertTrue(e.getMessage().startsWith("kernel " + f + ": "), e.getMessage());
        return e;
    }

    @Test
    void validZImageLoadsAt32MiBAndReadsTheDecompressedSizeFromItsTable() throws IOException {
        byte[] data = TestImages.zImage(8192, 3_000_000, 200_000);
        ZImage z = assertInstanceOf(ZImage.class, load(file(data)));
        assertEquals(ExecutionState.AARCH32, z.state());
        assertEquals(Layout.RAM_BASE + Layout.ZIMAGE_OFFSET, z.loadAddress(Layout.RAM_BASE));
        assertTrue(z.kernelSizeKnown());
        assertEquals(3_200_000, z.kernelSize());
        assertArrayEquals(data, ram.read(z.loadAddress(Layout.RAM_BASE), data.length));
        assertEquals(8192, z.payloadSize());
        // The kernel (0x8000 + 3.2 MB) stays below the zImage: the footprint ends after the zImage's workspace.
        assertEquals(z.loadAddress(Layout.RAM_BASE) + 8192 + ZImage.DECOMPRESSOR_WORKSPACE, z.footprintEnd(Layout.RAM_BASE));
    }

    @Test
    void withoutTableTheSizeIsEstimatedAt4To1() throws IOException {
        ZImage z = (ZImage) load(file(TestImages.zImage(8192, 0, 0)));
        assertFalse(z.kernelSizeKnown());
        assertEquals(4 * 8192, z.kernelSize());
    }

    @Test
    void kernelReachingTheZImageCountsTheDecompressorsRelocatedCopy() throws IOException {
        ZImage z = (ZImage) load(file(TestImages.zImage(8192, 40 << 20, 0)));
        long kernelEnd = Layout.RAM_BASE + Layout.AARCH32_TEXT_OFFSET + (40 << 20);
        assertEquals(kernelEnd + 8192 + ZImage.DECOMPRESSOR_WORKSPACE, z.footprintEnd(Layout.RAM_BASE));
    }

    @Test
    void trailingBytesAfterEndAreNotLoaded() throws IOException {
        byte[] z = TestImages.zImage(8192, 0, 0);
        byte[] withTail = Arrays.copyOf(z, 9000);
        assertEquals(8192, load(file(withTail)).payloadSize());
    }

    @Test
    void wrongMagicIsRefusedWithOffsetAndExpectedValue() throws IOException {
        byte[] data = TestImages.zImage(8192, 0, 0);
        data[0x24] = 0;
        LoadException e = refused(data, BAD_MAGIC);
        assertTrue(e.getMessage().contains("bad zImage magic 0x016f2800 at offset 0x24 (expected 0x016f2818)"), e.getMessage());
    }

    @Test
    void arm64ImageWithAarch32SuggestsDroppingIt() throws IOException {
        assertTrue(refused(TestImages.arm64(4096), BAD_MAGIC).getMessage().endsWith("this is an arm64 Image: drop --aarch32"));
    }

    @Test
    void fileShorterThanItsHeaderSaysIsTruncated() throws IOException {
        byte[] data = Arrays.copyOf(TestImages.zImage(8192, 0, 0), 5000);
        LoadException e = refused(data, TRUNCATED);
        assertTrue(e.getMessage().contains("header says the zImage is 8192 bytes (start 0x0 at offset 0x28, end 0x2000 at offset 0x2c) but the file is 5000 bytes"), e.getMessage());
    }

    @Test
    void tinyFileIsTruncated() throws IOException {
        refused(new byte[20], TRUNCATED);
    }

    @Test
    void endBeforeStartIsABadHeader() throws IOException {
        byte[] data = TestImages.zImage(8192, 0, 0);
        LittleEndian.putU32(data, ZImage.START, 0x3000);
        refused(data, BAD_HEADER);
    }

    @Test
    void bigEndianZImageIsRefused() throws IOException {
        byte[] data = TestImages.zImage(8192, 0, 0);
        LittleEndian.putU32(data, ZImage.ENDIAN, ZImage.BIG_ENDIAN_FLAG);
        refused(data, UNSUPPORTED);
    }

    @Test
    void brokenTableFallsBackToTheEstimate() throws IOException {
        byte[] data = TestImages.zImage(8192, 1_000_000, 0);
        LittleEndian.putU32(data, ZImage.TABLE_OFFSET, 0x7fff_0000L);
        assertFalse(((ZImage) load(file(data))).kernelSizeKnown());
    }

    @Test
    void gzipCompressedZImageIsInflatedIntoPlace() throws IOException {
        byte[] data = TestImages.zImage(8192, 3_000_000, 200_000);
        ZImage z = (ZImage) load(file(TestImages.gzip(data)));
        assertEquals(3_200_000, z.kernelSize(), "the size tag is read from RAM");
        assertArrayEquals(data, ram.read(z.loadAddress(Layout.RAM_BASE), data.length));
    }

    @Test
    void gzipThatInflatesShortOfTheHeadersEndIsTruncated() throws IOException {
        byte[] data = TestImages.zImage(8192, 0, 0);
        LoadException e = refused(TestImages.gzip(Arrays.copyOf(data, 5000)), TRUNCATED);
        assertTrue(e.getMessage().endsWith("but the file decompresses to 5000 bytes"), e.getMessage());
    }

    @Test
    void fixedLoadAddressOutsideRamIsRefusedBeforeTheCopy() throws IOException {
        byte[] data = TestImages.zImage(8192, 0, 0);
        LittleEndian.putU32(data, ZImage.START, 0xffff_e000L);
        LittleEndian.putU32(data, ZImage.END, 0xffff_ffffL);
        LoadException e = refused(data, DOES_NOT_FIT);
        assertTrue(e.getMessage().contains("needs guest RAM [0xffffe000, "), e.getMessage());
    }

    @Test
    void sizeTagPointingPastTheZImageFallsBackToTheEstimate() throws IOException {
        byte[] data = TestImages.zImage(8192, 1_000_000, 0);
        LittleEndian.putU32(data, 0x100 + 8, 0xffff_fffeL); // where the size word is
        assertFalse(((ZImage) load(file(data))).kernelSizeKnown());
        LittleEndian.putU32(data, 0x100 + 8, 8190); // a word straddling the end
        assertFalse(((ZImage) load(file(data))).kernelSizeKnown());
    }
}
