package dev.kvm4j.vmm.loader;

import dev.kvm4j.vmm.Layout;
import dev.kvm4j.vmm.Sizes;

import java.nio.file.Path;
import java.util.Arrays;

import static dev.kvm4j.vmm.loader.LoadException.Problem.*;

/**
 * A 32-bit ARM {@code zImage} (Documentation/arch/arm/booting.rst): a self-decompressing kernel, entered
 * at its first byte in A32 state. Its header, after nine words of code:
 *
 * <pre>
 *   0x24 magic 0x016f2818   0x28 start   0x2c end   0x30 endianness flag 0x04030201
 *   0x34 0x45454545         0x38 offset of an extension table (tag "KLSZ": decompressed size, bss size)
 * </pre>
 *
 * @param loadStart      the header's start: 0 for a position-independent zImage (the usual case)
 * @param kernelSize     RAM the decompressed kernel needs (text + data + bss)
 * @param kernelSizeKnown whether that came from the extension table, or is an estimate
 */
public record ZImage(Path file, byte[] payload, long loadStart, long kernelSize, boolean kernelSizeKnown) implements KernelImage {
    static final int MAGIC_OFFSET = 0x24, START = 0x28, END = 0x2c, ENDIAN = 0x30, TABLE_MAGIC = 0x34, TABLE_OFFSET = 0x38;
    static final int HEADER_SIZE = 0x30;
    static final long MAGIC = 0x016f_2818L;
    static final long LITTLE_ENDIAN_FLAG = 0x0403_0201L, BIG_ENDIAN_FLAG = 0x0102_0304L;
    static final long TABLE_PRESENT = 0x4545_4545L;
    static final long TAG_KERNEL_SIZE = 0x5a53_4c4bL; // "KLSZ"
    /** Without a size tag, assume 4:1 compression, as the kernel's own kexec does. */
    static final int ESTIMATED_RATIO = 4;
    /** The decompressor's malloc area, stack and bss above the zImage (kexec reserves the same). */
    static final long DECOMPRESSOR_WORKSPACE = 0x2_0000;

    static boolean hasMagic(byte[] d) {
        return d.length >= HEADER_SIZE && LittleEndian.u32(d, MAGIC_OFFSET) == MAGIC;
    }

    static ZImage parse(Path file, byte[] data) {
        if (data.length < HEADER_SIZE) {
            throw new LoadException("kernel", file, TRUNCATED, "is " + data.length + " bytes, shorter than the 48-byte zImage header");
        }
        long magic = LittleEndian.u32(data, MAGIC_OFFSET);
        if (magic != MAGIC) {
            String hint = data.length >= Arm64Image.HEADER_SIZE && LittleEndian.u32(data, Arm64Image.MAGIC_OFFSET) == Arm64Image.MAGIC
                    ? "; this is an arm64 Image: drop --aarch32" : "";
            throw new LoadException("kernel", file, BAD_MAGIC, String.format(
                    "bad zImage magic 0x%08x at offset 0x24 (expected 0x016f2818)%s", magic, hint));
        }
        if (LittleEndian.u32(data, ENDIAN) == BIG_ENDIAN_FLAG) {
            throw new LoadException("kernel", file, UNSUPPORTED, "is a big-endian (BE8) zImage; kvm4j boots little-endian kernels");
        }
        long start = LittleEndian.u32(data, START);
        long end = LittleEndian.u32(data, END);
        if (end <= start) {
            throw new LoadException("kernel", file, BAD_HEADER, String.format("zImage end 0x%x is not after its start 0x%x", end, start));
        }
        long length = end - start;
        if (length > data.length) {
            throw new LoadException("kernel", file, TRUNCATED, String.format(
                    "header says the zImage is %d bytes (start 0x%x, end 0x%x) but the file has only %d", length, start, end, data.length));
        }
        byte[] payload = length < data.length ? Arrays.copyOf(data, (int) length) : data;
        long tagged = taggedKernelSize(payload);
        return tagged > 0
                ? new ZImage(file, payload, start, tagged, true)
                : new ZImage(file, payload, start, ESTIMATED_RATIO * length, false);
    }

    /** Walks the extension table like the kernel's kexec does; 0 if there is none or it looks wrong. */
    private static long taggedKernelSize(byte[] d) {
        if (d.length < TABLE_OFFSET + 4 || LittleEndian.u32(d, TABLE_MAGIC) != TABLE_PRESENT) return 0;
        long at = LittleEndian.u32(d, TABLE_OFFSET);
        for (int tags = 0; tags < 64 && at >= 0 && at + 8 <= d.length; tags++) {
            long words = LittleEndian.u32(d, (int) at);
            if (words == 0) return 0;
            if (LittleEndian.u32(d, (int) at + 4) == TAG_KERNEL_SIZE) {
                if (at + 16 > d.length) return 0;
                long sizeAt = LittleEndian.u32(d, (int) at + 8);
                long bss = LittleEndian.u32(d, (int) at + 12);
                if (sizeAt + 4 > d.length) return 0;
                return LittleEndian.u32(d, (int) sizeAt) + bss;
            }
            at += 4 * words;
        }
        return 0;
    }

    @Override
    public ExecutionState state() { return ExecutionState.AARCH32; }

    @Override
    public long loadAddress(long ramBase) {
        return loadStart != 0 ? loadStart : ramBase + Layout.ZIMAGE_OFFSET;
    }

    /**
     * The kernel decompresses to RAM base + 0x8000. If it would reach the zImage, the decompressor first
     * copies itself past the kernel's end, so the footprint then includes a second copy of the zImage.
     */
    @Override
    public long footprintEnd(long ramBase) {
        long load = loadAddress(ramBase);
        long zImageEnd = load + payload.length + DECOMPRESSOR_WORKSPACE;
        long kernelEnd = ramBase + Layout.AARCH32_TEXT_OFFSET + kernelSize;
        if (kernelEnd <= load) return Math.max(kernelEnd, zImageEnd);
        return Math.max(kernelEnd, zImageEnd) + payload.length + DECOMPRESSOR_WORKSPACE;
    }

    @Override
    public String describeFootprint() {
        return "zImage " + Sizes.format(payload.length) + " at +" + Sizes.format(Layout.ZIMAGE_OFFSET) + ", decompressing to "
                + Sizes.format(kernelSize) + (kernelSizeKnown ? "" : " (estimated)");
    }
}
