package dev.kvm4j.vmm.loader;

import dev.kvm4j.kvm.GuestMemory;
import dev.kvm4j.vmm.GuestRange;
import dev.kvm4j.vmm.Layout;
import dev.kvm4j.vmm.Sizes;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

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
 * Every field is a 32-bit word, so sums of them in 64-bit arithmetic cannot wrap.
 *
 * @param file            the file it was read from
 * @param payloadSize     bytes copied to RAM: end - start
 * @param loadStart       the header's start: 0 for a position-independent zImage (the usual case)
 * @param kernelSize      RAM the decompressed kernel needs (text + data + bss)
 * @param kernelSizeKnown whether that came from the extension table, or is an estimate
 */
public record ZImage(Path file, long payloadSize, long loadStart, long kernelSize, boolean kernelSizeKnown) implements KernelImage {
    static final int MAGIC_OFFSET = 0x24, START = 0x28, END = 0x2c, ENDIAN = 0x30, TABLE_MAGIC = 0x34, TABLE_OFFSET = 0x38;
    /** Up to and with the endianness flag; the table fields after it are optional. */
    static final int HEADER_SIZE = 0x34;
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

    /** Checks the header, copies the zImage into RAM, then reads its size tag there. */
    static ZImage load(KernelSource src, GuestMemory ram) {
        Path file = src.file();
        byte[] h = src.header(HEADER_SIZE, "zImage");
        long magic = LittleEndian.u32(h, MAGIC_OFFSET);
        if (magic != MAGIC) {
            byte[] more = src.head(Arm64Image.HEADER_SIZE);
            String hint = more.length >= Arm64Image.HEADER_SIZE && LittleEndian.u32(more, Arm64Image.MAGIC_OFFSET) == Arm64Image.MAGIC
                    ? "; this is an arm64 Image: drop --aarch32" : "";
            throw new LoadException("kernel", file, BAD_MAGIC, String.format(
                    "bad zImage magic 0x%08x at offset 0x24 (expected 0x016f2818)%s", magic, hint));
        }
        if (LittleEndian.u32(h, ENDIAN) == BIG_ENDIAN_FLAG) {
            throw new LoadException("kernel", file, UNSUPPORTED, "is a big-endian (BE8) zImage; kvm4j boots little-endian kernels");
        }
        long start = LittleEndian.u32(h, START);
        long end = LittleEndian.u32(h, END);
        if (end <= start) {
            throw new LoadException("kernel", file, BAD_HEADER, String.format(
                    "zImage end 0x%x at offset 0x2c is not after its start 0x%x at offset 0x28", end, start));
        }
        long length = end - start;
        if (src.length() >= 0 && length > src.length()) throw truncated(src, start, end, src.length());

        GuestRange ramRange = new GuestRange(ram.base(), ram.size());
        // Judged before the copy with the zImage alone; the tag inside it may only make the footprint larger.
        ZImage bare = new ZImage(file, length, start, 0, false);
        Placement.checkKernel(bare, ramRange);
        long load = bare.loadAddress(ram.base());
        long available = src.copyTo(ram, load, length);
        if (available < length) throw truncated(src, start, end, available);

        long tagged = taggedKernelSize(ram.slice(load, length));
        ZImage image = tagged > 0
                ? new ZImage(file, length, start, tagged, true)
                : new ZImage(file, length, start, ESTIMATED_RATIO * length, false);
        Placement.checkKernel(image, ramRange);
        return image;
    }

    private static LoadException truncated(KernelSource src, long start, long end, long available) {
        return new LoadException("kernel", src.file(), TRUNCATED, String.format(
                "header says the zImage is %d bytes (start 0x%x at offset 0x28, end 0x%x at offset 0x2c) but the file %s",
                end - start, start, end, src.describeLength(available)));
    }

    /**
     * Walks the extension table like the kernel's kexec does; 0 if there is none or it looks wrong. Every
     * offset is compared with the zImage's size before it is read.
     */
    private static long taggedKernelSize(MemorySegment z) {
        long size = z.byteSize();
        if (size < TABLE_OFFSET + 4 || LittleEndian.u32(z, TABLE_MAGIC) != TABLE_PRESENT) return 0;
        long at = LittleEndian.u32(z, TABLE_OFFSET);
        for (int tags = 0; tags < 64 && at <= size - 8; tags++) {
            long words = LittleEndian.u32(z, at);
            if (words == 0) return 0;
            if (LittleEndian.u32(z, at + 4) == TAG_KERNEL_SIZE) {
                if (at > size - 16) return 0;
                long sizeAt = LittleEndian.u32(z, at + 8);
                long bss = LittleEndian.u32(z, at + 12);
                if (sizeAt > size - 4) return 0;
                return LittleEndian.u32(z, sizeAt) + bss;
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
        long zImageEnd = load + payloadSize + DECOMPRESSOR_WORKSPACE;
        long kernelEnd = ramBase + Layout.AARCH32_TEXT_OFFSET + kernelSize;
        if (kernelEnd <= load) return Math.max(kernelEnd, zImageEnd);
        return Math.addExact(Math.max(kernelEnd, zImageEnd), payloadSize + DECOMPRESSOR_WORKSPACE);
    }

    @Override
    public String describeFootprint() {
        String zImage = "zImage " + Sizes.format(payloadSize) + " at " + (loadStart != 0 ? String.format("0x%x", loadStart) : "+" + Sizes.format(Layout.ZIMAGE_OFFSET));
        return kernelSize == 0 ? zImage : zImage + ", decompressing to " + Sizes.format(kernelSize) + (kernelSizeKnown ? "" : " (estimated)");
    }
}
