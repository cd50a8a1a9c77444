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

class ZImageTest {
    static final long RAM = 256 * Layout.MIB;

    @TempDir
    Path dir;

    private Path file(byte[] data) throws IOException {
        return Files.write(dir.resolve("zImage"), data);
    }

    private LoadException refused(byte[] data, LoadException.Problem problem) throws IOException {
        Path f = file(data);
        LoadException e = assertThrows(LoadException.class, () -> KernelLoader.read(f, true, RAM));
        assertEquals(problem, e.problem(), e.getMessage());
        assertTrue(e.getMessage().startsWith("kernel " + f + ": "), e.getMessage());
        return e;
    }

    @Test
    void validZImageLoadsAt32MiBAndReadsTheDecompressedSizeFromItsTable() throws IOException {
        byte[] data = TestImages.zImage(8192, 3_000_000, 200_000);
        ZImage z = assertInstanceOf(ZImage.class, KernelLoader.read(file(data), true, RAM));
        assertEquals(ExecutionState.AARCH32, z.state());
        assertEquals(Layout.RAM_BASE + Layout.ZIMAGE_OFFSET, z.loadAddress(Layout.RAM_BASE));
        assertTrue(z.kernelSizeKnown());
        assertEquals(3_200_000, z.kernelSize());
        assertArrayEquals(data, z.payload());
        // The kernel (0x8000 + 3.2 MB) stays below the zImage: the footprint ends after the zImage's workspace.
        assertEquals(z.loadAddress(Layout.RAM_BASE) + 8192 + ZImage.DECOMPRESSOR_WORKSPACE, z.footprintEnd(Layout.RAM_BASE));
    }

    @Test
    void withoutTableTheSizeIsEstimatedAt4To1() throws IOException {
        ZImage z = (ZImage) KernelLoader.read(file(TestImages.zImage(8192, 0, 0)), true, RAM);
        assertFalse(z.kernelSizeKnown());
        assertEquals(4 * 8192, z.kernelSize());
    }

    @Test
    void kernelReachingTheZImageCountsTheDecompressorsRelocatedCopy() throws IOException {
        ZImage z = (ZImage) KernelLoader.read(file(TestImages.zImage(8192, 40 << 20, 0)), true, RAM);
        long kernelEnd = Layout.RAM_BASE + Layout.AARCH32_TEXT_OFFSET + (40 << 20);
        assertEquals(kernelEnd + 8192 + ZImage.DECOMPRESSOR_WORKSPACE, z.footprintEnd(Layout.RAM_BASE));
    }

    @Test
    void trailingBytesAfterEndAreNotLoaded() throws IOException {
        byte[] z = TestImages.zImage(8192, 0, 0);
        byte[] withTail = Arrays.copyOf(z, 9000);
        assertEquals(8192, KernelLoader.read(file(withTail), true, RAM).payload().length);
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
        assertTrue(e.getMessage().contains("header says the zImage is 8192 bytes (start 0x0, end 0x2000) but the file has only 5000"), e.getMessage());
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
        assertFalse(((ZImage) KernelLoader.read(file(data), true, RAM)).kernelSizeKnown());
    }
}
