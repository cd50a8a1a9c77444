package dev.kvm4j.vmm.loader;

import dev.kvm4j.vmm.Layout;
import dev.kvm4j.vmm.Sizes;

import java.nio.file.Path;
import java.util.Arrays;

import static dev.kvm4j.vmm.loader.LoadException.Problem.*;

/**
 * An arm64 {@code Image} (Documentation/arch/arm64/booting.rst): a 64-byte header, then the kernel,
 * which runs from where it is loaded with the MMU off.
 *
 * <pre>
 *   0x00 code0, code1   0x08 text_offset   0x10 image_size   0x18 flags
 *   0x20 res2..res4     0x38 magic "ARM\x64"                0x3c res5 (PE header offset)
 * </pre>
 *
 * @param textOffset where above a 2 MiB aligned base the Image must go
 * @param imageSize  bytes the kernel occupies from its start, bss included
 */
public record Arm64Image(Path file, byte[] payload, long textOffset, long imageSize, long flags) implements KernelImage {
    static final int HEADER_SIZE = 64;
    static final int TEXT_OFFSET = 0x08, IMAGE_SIZE = 0x10, FLAGS = 0x18, MAGIC_OFFSET = 0x38;
    static final long MAGIC = 0x644d_5241L;
    static final long FLAG_BIG_ENDIAN = 1;

    static Arm64Image parse(Path file, byte[] data) {
        if (data.length < HEADER_SIZE) {
            throw new LoadException("kernel", file, TRUNCATED, "is " + data.length + " bytes, shorter than the 64-byte arm64 Image header");
        }
        long magic = LittleEndian.u32(data, MAGIC_OFFSET);
        if (magic != MAGIC) {
            throw new LoadException("kernel", file, BAD_MAGIC, String.format(
                    "bad arm64 Image magic 0x%08x at offset 0x38 (expected 0x644d5241 'ARM\\x64')%s", magic, hint(data)));
        }
        long textOffset = LittleEndian.u64(data, TEXT_OFFSET);
        long imageSize = LittleEndian.u64(data, IMAGE_SIZE);
        long flags = LittleEndian.u64(data, FLAGS);
        if ((flags & FLAG_BIG_ENDIAN) != 0) {
            throw new LoadException("kernel", file, UNSUPPORTED, "is a big-endian kernel (flags bit 0 set); kvm4j boots little-endian kernels");
        }
        if (imageSize == 0) {
            // Kernels before 3.17 leave image_size 0; booting.rst says to assume text_offset 0x80000 then.
            textOffset = Layout.ARM64_LEGACY_TEXT_OFFSET;
            imageSize = data.length;
        } else if (imageSize < HEADER_SIZE) {
            throw new LoadException("kernel", file, BAD_HEADER, "image_size " + imageSize + " is smaller than the Image header");
        }
        if (textOffset % Layout.PAGE_SIZE != 0 || textOffset < 0) {
            throw new LoadException("kernel", file, BAD_HEADER, String.format("text_offset 0x%x is not a multiple of 4 KiB", textOffset));
        }
        // Bytes past image_size (e.g. an appended signature) are not part of the kernel.
        byte[] payload = data.length > imageSize ? Arrays.copyOf(data, (int) imageSize) : data;
        return new Arm64Image(file, payload, textOffset, imageSize, flags);
    }

    private static String hint(byte[] data) {
        if (ZImage.hasMagic(data)) return "; this is a 32-bit ARM zImage: add --aarch32";
        if (data.length >= 4 && data[0] == 0x7f && data[1] == 'E' && data[2] == 'L' && data[3] == 'F') {
            return "; this is an ELF file (vmlinux?): use arch/arm64/boot/Image";
        }
        return "";
    }

    @Override
    public ExecutionState state() { return ExecutionState.AARCH64; }

    /** RAM base is 2 MiB aligned in the layout; aligning here keeps the rule true if that ever changes. */
    @Override
    public long loadAddress(long ramBase) {
        long base = (ramBase + Layout.ARM64_KERNEL_ALIGN - 1) & -Layout.ARM64_KERNEL_ALIGN;
        return base + textOffset;
    }

    @Override
    public long footprintEnd(long ramBase) {
        return loadAddress(ramBase) + Math.max(imageSize, payload.length);
    }

    @Override
    public String describeFootprint() {
        return String.format("text_offset 0x%x + image_size %s", textOffset, Sizes.format(imageSize));
    }
}
