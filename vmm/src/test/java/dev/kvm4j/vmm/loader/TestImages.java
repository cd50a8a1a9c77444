package dev.kvm4j.vmm.loader;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/** Synthetic boot images, byte-exact to the header layouts, so no real kernel is needed. */
public final class TestImages {
    private TestImages() {}

    /** An arm64 Image of {@code length} bytes (payload pattern after the header). */
    public static byte[] arm64(int length, long textOffset, long imageSize, long flags) {
        byte[] b = pattern(length);
        LittleEndian.putU32(b, 0, 0x91005a4dL); // "MZ" + add x13, x18, #0x16, as EFI-stub kernels start
        LittleEndian.putU32(b, 4, 0x14000000L); // b .
        LittleEndian.putU64(b, Arm64Image.TEXT_OFFSET, textOffset);
        LittleEndian.putU64(b, Arm64Image.IMAGE_SIZE, imageSize);
        LittleEndian.putU64(b, Arm64Image.FLAGS, flags);
        for (int i = 0x20; i < 0x38; i++) b[i] = 0;
        LittleEndian.putU32(b, Arm64Image.MAGIC_OFFSET, Arm64Image.MAGIC);
        LittleEndian.putU32(b, 0x3c, 0);
        return b;
    }

    /** A typical modern Image: text_offset 0, image_size = length + 1 MiB of bss, little-endian, 4K pages. */
    public static byte[] arm64(int length) {
        return arm64(length, 0, length + (1 << 20), 0b1010);
    }

    /**
     * A zImage of {@code length} bytes; if {@code inflated > 0} it carries the extension table saying the
     * kernel decompresses to {@code inflated} bytes plus {@code bss}.
     */
    public static byte[] zImage(int length, long inflated, long bss) {
        byte[] b = pattern(length);
        for (int i = 0; i < 9; i++) LittleEndian.putU32(b, 4 * i, 0xe1a00000L); // mov r0, r0
        LittleEndian.putU32(b, ZImage.MAGIC_OFFSET, ZImage.MAGIC);
        LittleEndian.putU32(b, ZImage.START, 0);
        LittleEndian.putU32(b, ZImage.END, length);
        LittleEndian.putU32(b, ZImage.ENDIAN, ZImage.LITTLE_ENDIAN_FLAG);
        if (inflated > 0) {
            int table = 0x100, sizeWord = length - 8;
            LittleEndian.putU32(b, ZImage.TABLE_MAGIC, ZImage.TABLE_PRESENT);
            LittleEndian.putU32(b, ZImage.TABLE_OFFSET, table);
            LittleEndian.putU32(b, table, 6);
            LittleEndian.putU32(b, table + 4, ZImage.TAG_KERNEL_SIZE);
            LittleEndian.putU32(b, table + 8, sizeWord);
            LittleEndian.putU32(b, table + 12, bss);
            LittleEndian.putU32(b, table + 16, 0x8000);
            LittleEndian.putU32(b, table + 20, 0x10000);
            LittleEndian.putU32(b, table + 24, 0);
            LittleEndian.putU32(b, sizeWord, inflated);
        } else {
            LittleEndian.putU32(b, ZImage.TABLE_MAGIC, 0);
        }
        return b;
    }

    public static byte[] gzip(byte[] data) {
        return gzip(data, Deflater.DEFAULT_COMPRESSION);
    }

    /** @param level a {@link Deflater} level: 1 compresses a real kernel in a fraction of a second */
    public static byte[] gzip(byte[] data, int level) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(data.length / 2);
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes, 64 * 1024) {
            { def.setLevel(level); }
        }) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** An EFI zboot wrapper (CONFIG_EFI_ZBOOT) around {@code compressed}, labelled {@code type}. */
    public static byte[] zboot(byte[] compressed, String type) {
        int offset = 0x200;
        byte[] b = new byte[offset + compressed.length + 4];
        b[0] = 'M';
        b[1] = 'Z';
        System.arraycopy("zimg".getBytes(StandardCharsets.US_ASCII), 0, b, 4, 4);
        LittleEndian.putU32(b, 8, offset);
        LittleEndian.putU32(b, 12, compressed.length);
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(t, 0, b, 0x18, t.length);
        System.arraycopy(compressed, 0, b, offset, compressed.length);
        return b;
    }

    /** Non-repeating-ish bytes, so a misplaced copy is caught. */
    public static byte[] pattern(int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) b[i] = (byte) (i * 31 + (i >>> 8) * 7);
        return b;
    }
}
