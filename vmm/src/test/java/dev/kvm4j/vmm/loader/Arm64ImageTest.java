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

class Arm64ImageTest {
    static final long RAM = 512 * Layout.MIB;

    @TempDir
    Path dir;

    private GuestMemory ram = GuestMemory.allocate(Layout.RAM_BASE, RAM);

    @AfterEach
    void free() {
        ram.close();
    }

    private GuestMemory ram(long size) {
        ram.close();
        return ram = GuestMemory.allocate(Layout.RAM_BASE, size);
    }

    private Path file(String name, byte[] data) throws IOException {
        return Files.write(dir.resolve(name), data);
    }

    private KernelImage load(Path f) {
        return KernelLoader.load(f, false, ram);
    }

    /** The kernel's bytes as they are in guest RAM. */
    private byte[] payload(KernelImage k) {
        return ram.read(k.loadAddress(ram.base()), Math.toIntExact(k.payloadSize()));
    }

    private LoadException refused(Path f, LoadException.Problem problem) {
        LoadException e = assertThrows(LoadException.class, () -> load(f));
        assertEquals(problem, e.problem(), e.getMessage());
        assertTrue(e.getMessage().startsWith("kernel " + f + ": "), e.getMessage());
        return e;
    }

    @Test
    void validImageIsLoadedAtRamBasePlusTextOffset() throws IOException {
        byte[] data = TestImages.arm64(8192, 0x80000, 8192 + 0x10000, 0b1010);
        KernelImage k = load(file("Image", data));
        Arm64Image image = assertInstanceOf(Arm64Image.class, k);
        assertEquals(ExecutionState.AARCH64, k.state());
        assertEquals(0x80000, image.textOffset());
        assertEquals(Layout.RAM_BASE + 0x80000, k.loadAddress(Layout.RAM_BASE));
        assertEquals(Layout.RAM_BASE + 0x80000 + 8192 + 0x10000, k.footprintEnd(Layout.RAM_BASE), "image_size covers bss");
        assertArrayEquals(data, payload(k));
    }

    @Test
    void loadBaseIsRoundedUpTo2MiB() throws IOException {
        KernelImage k = load(file("Image", TestImages.arm64(4096)));
        assertEquals(0x4020_0000L, k.loadAddress(0x4000_1000L));
    }

    @Test
    void imageSizeZeroMeansAnOldKernelAtTextOffset0x80000() throws IOException {
        Arm64Image k = (Arm64Image) load(file("Image", TestImages.arm64(4096, 0, 0, 0)));
        assertEquals(Layout.ARM64_LEGACY_TEXT_OFFSET, k.textOffset());
        assertEquals(4096, k.imageSize());
    }

    @Test
    void bytesPastImageSizeAreNotLoaded() throws IOException {
        byte[] data = TestImages.arm64(8192, 0, 4096, 0);
        KernelImage k = load(file("Image", data));
        assertArrayEquals(Arrays.copyOf(data, 4096), payload(k));
    }

    @Test
    void gzipCompressedImageIsDecompressed() throws IOException {
        byte[] data = TestImages.arm64(100_000);
        KernelImage k = load(file("vmlinuz", TestImages.gzip(data)));
        assertArrayEquals(data, payload(k));
    }

    @Test
    void efiZbootWithGzipPayloadIsUnpacked() throws IOException {
        byte[] data = TestImages.arm64(50_000);
        KernelImage k = load(file("vmlinuz.efi", TestImages.zboot(TestImages.gzip(data), "gzip")));
        assertArrayEquals(data, payload(k));
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
        Path f = file("Image", TestImages.arm64(8192));
        ram(4096);
        LoadException e = refused(f, TOO_BIG);
        assertTrue(e.getMessage().contains("is 8 KiB, larger than guest RAM (4 KiB)"), e.getMessage());
    }

    @Test
    void imageSizeNear2To63IsABadHeaderNamingFieldValueOffsetAndLimit() throws IOException {
        for (long size : new long[] {0x7fff_ffff_ffff_fff0L, -1L, Arm64Image.FIELD_LIMIT + 1}) {
            LoadException e = refused(file("Image", TestImages.arm64(4096, 0, size, 0)), BAD_HEADER);
            assertEquals("kernel " + dir.resolve("Image") + ": image_size 0x" + Long.toHexString(size)
                    + " at offset 0x10 is more than 1023 GiB, the most guest RAM kvm4j can give; this is not a bootable Image", e.getMessage());
        }
    }

    @Test
    void hugeTextOffsetIsABadHeaderNotAWrappedAddress() throws IOException {
        LoadException e = refused(file("Image", TestImages.arm64(4096, 0xffff_ffff_ffff_f000L, 8192, 0)), BAD_HEADER);
        assertTrue(e.getMessage().contains("text_offset 0xfffffffffffff000 at offset 0x08 is more than 1023 GiB"), e.getMessage());
    }

    @Test
    void plausibleFieldsThatDoNotFitThisRamAreRefusedBeforeTheCopy() throws IOException {
        // text_offset 1000 GiB: a valid field, but far outside 512 MiB of RAM.
        LoadException e = refused(file("Image", TestImages.arm64(4096, 1000 * Layout.GIB, 8192, 0)), DOES_NOT_FIT);
        assertTrue(e.getMessage().contains("needs guest RAM [0xfa40000000, 0xfa40002000)"), e.getMessage());
    }

    @Test
    void imageSizeSmallerThanTheHeaderIsRefused() throws IOException {
        LoadException e = refused(file("Image", TestImages.arm64(4096, 0, 63, 0)), BAD_HEADER);
        assertTrue(e.getMessage().contains("image_size 63 at offset 0x10 is smaller than the 64-byte Image header"), e.getMessage());
    }

    @Test
    void gzipThatExpandsBeyondRamIsStoppedAtTheRoomAboveTheLoadAddress() throws IOException {
        byte[] image = Arrays.copyOf(TestImages.arm64(4096, 0, 4096, 0), 4 << 20);
        Path f = file("bomb.gz", TestImages.gzip(image));
        ram(2 << 20);
        LoadException e = refused(f, TOO_BIG);
        assertTrue(e.getMessage().contains("gzip data expands to more than 2 MiB, the guest RAM above the kernel's load address 0x40000000"),
                e.getMessage());
    }

    @Test
    void gzipImageOfOldKernelIsStoppedAtTheRoomToo() throws IOException {
        byte[] image = Arrays.copyOf(TestImages.arm64(4096, 0, 0, 0), 4 << 20); // image_size 0: all of it is the kernel
        Path f = file("bomb.gz", TestImages.gzip(image));
        ram(2 << 20);
        LoadException e = refused(f, TOO_BIG);
        assertTrue(e.getMessage().contains("expands to more than 1.5 MiB, the guest RAM above the kernel's load address 0x40080000"),
                e.getMessage());
    }

    @Test
    void bytesInflatedPastImageSizeAreCheckedButNotKept() throws IOException {
        byte[] image = TestImages.arm64(64 * 1024, 0, 8192, 0);
        KernelImage k = load(file("vmlinuz", TestImages.gzip(image)));
        assertEquals(8192, k.payloadSize());
        assertArrayEquals(Arrays.copyOf(image, 8192), payload(k));
        assertEquals(0, ram.readLong(Layout.RAM_BASE + 8192), "RAM past image_size is untouched");
    }

    @Test
    void efiZbootPayloadOutsideTheFileIsRefusedNamingTheField() throws IOException {
        byte[] z = TestImages.zboot(TestImages.gzip(TestImages.arm64(4096)), "gzip");
        LittleEndian.putU32(z, EfiZboot.PAYLOAD_SIZE, 0xffff_ffffL);
        LoadException e = refused(file("vmlinuz.efi", z), TRUNCATED);
        assertTrue(e.getMessage().contains("EFI zboot payload size 4294967295 at offset 0x0c puts the payload at 0x200..0x1000001ff"), e.getMessage());

        LittleEndian.putU32(z, EfiZboot.PAYLOAD_OFFSET, 0x10);
        e = refused(file("vmlinuz.efi", z), BAD_HEADER);
        assertTrue(e.getMessage().contains("EFI zboot payload offset 0x10 at offset 0x08 is outside"), e.getMessage());
    }

    @Test
    void efiZbootCompressionNameWithControlBytesStaysOneLine() throws IOException {
        LoadException e = refused(file("vmlinuz.efi", TestImages.zboot(new byte[100], "zs\nd")), UNSUPPORTED);
        byte[] z = TestImages.zboot(new byte[100], "zstd");
        z[EfiZboot.COMPRESSION + 2] = '\n';
        e = refused(file("vmlinuz.efi", z), UNSUPPORTED);
        assertTrue(e.getMessage().contains("'zs\\x0ad'"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void efiZbootWithCorruptPayloadIsCorrupt() throws IOException {
        byte[] gz = TestImages.gzip(TestImages.arm64(100_000));
        for (int i = 20; i < 60; i++) gz[i] ^= 0x5a;
        LoadException e = refused(file("vmlinuz.efi", TestImages.zboot(gz, "gzip")), CORRUPT);
        assertTrue(e.getMessage().contains("corrupt EFI zboot payload"), e.getMessage());
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
