package dev.kvm4j.vmm.loader;

import dev.kvm4j.kvm.GuestMemory;
import dev.kvm4j.vmm.GuestRange;
import dev.kvm4j.vmm.Layout;
import dev.kvm4j.vmm.Sizes;

import java.nio.file.Path;

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
 * @param file        the file it was read from
 * @param payloadSize bytes copied to RAM: the Image up to image_size
 * @param textOffset  where above a 2 MiB aligned base the Image must go
 * @param imageSize   bytes the kernel occupies from its start, bss included
 * @param flags       the header's flags (endianness, page size, placement)
 */
public record Arm64Image(Path file, long payloadSize, long textOffset, long imageSize, long flags) implements KernelImage {
    static final int HEADER_SIZE = 64;
    static final int TEXT_OFFSET = 0x08, IMAGE_SIZE = 0x10, FLAGS = 0x18, MAGIC_OFFSET = 0x38;
    static final long MAGIC = 0x644d_5241L;
    static final long FLAG_BIG_ENDIAN = 1;
    /**
     * No field may exceed the most guest RAM kvm4j can give (RAM from 1 GiB up to the 40-bit IPA limit).
     * Checked before any addition, this keeps every sum of addresses and sizes far from wrapping.
     */
    static final long FIELD_LIMIT = Layout.RAM_END_LIMIT_AARCH64 - Layout.RAM_BASE;

    /** Checks the header, then copies the Image into RAM at its load address. */
    static Arm64Image load(KernelSource src, GuestMemory ram) {
        Path file = src.file();
        byte[] h = src.header(HEADER_SIZE, "arm64 Image");
        long magic = LittleEndian.u32(h, MAGIC_OFFSET);
        if (magic != MAGIC) {
            throw new LoadException("kernel", file, BAD_MAGIC, String.format(
                    "bad arm64 Image magic 0x%08x at offset 0x38 (expected 0x644d5241 'ARM\\x64')%s", magic, hint(h)));
        }
        long flags = LittleEndian.u64(h, FLAGS);
        if ((flags & FLAG_BIG_ENDIAN) != 0) {
            throw new LoadException("kernel", file, UNSUPPORTED, "is a big-endian kernel (flags bit 0 set); kvm4j boots little-endian kernels");
        }
        long imageSize = field(file, "image_size", IMAGE_SIZE, LittleEndian.u64(h, IMAGE_SIZE));
        long textOffset = field(file, "text_offset", TEXT_OFFSET, LittleEndian.u64(h, TEXT_OFFSET));
        boolean legacy = imageSize == 0;
        if (legacy) {
            // Kernels before 3.17 leave image_size 0; booting.rst says to assume text_offset 0x80000 then.
            textOffset = Layout.ARM64_LEGACY_TEXT_OFFSET;
        } else if (imageSize < HEADER_SIZE) {
            throw new LoadException("kernel", file, BAD_HEADER, String.format(
                    "image_size %d at offset 0x10 is smaller than the %d-byte Image header", imageSize, HEADER_SIZE));
        }
        if (textOffset % Layout.PAGE_SIZE != 0) {
            throw new LoadException("kernel", file, BAD_HEADER, String.format(
                    "text_offset 0x%x at offset 0x08 is not a multiple of 4 KiB", textOffset));
        }

        GuestRange ramRange = new GuestRange(ram.base(), ram.size());
        long load = loadAddress(ram.base(), textOffset);
        // Bytes past image_size (e.g. an appended signature) are not part of the kernel.
        long want = legacy ? Long.MAX_VALUE : imageSize;
        // Judged before the copy with what is known: image_size, or for an old Image its file size (just
        // the header if it is compressed); the copy then stays inside RAM.
        long atLeast = !legacy ? imageSize : src.length() >= 0 ? src.length() : HEADER_SIZE;
        Placement.checkKernel(new Arm64Image(file, 0, textOffset, atLeast, flags), ramRange);
        long length = src.copyTo(ram, load, want);
        long payload = Math.min(length, want);
        Arm64Image image = new Arm64Image(file, payload, textOffset, legacy ? length : imageSize, flags);
        Placement.checkKernel(image, ramRange);
        return image;
    }

    private static long field(Path file, String name, int offset, long value) {
        if (Long.compareUnsigned(value, FIELD_LIMIT) > 0) {
            throw new LoadException("kernel", file, BAD_HEADER, String.format(
                    "%s 0x%x at offset 0x%02x is more than %s, the most guest RAM kvm4j can give; this is not a bootable Image",
                    name, value, offset, Sizes.format(FIELD_LIMIT)));
        }
        return value;
    }

    private static String hint(byte[] data) {
        if (ZImage.hasMagic(data)) return "; this is a 32-bit ARM zImage: add --aarch32";
        if (data.length >= 4 && data[0] == 0x7f && data[1] == 'E' && data[2] == 'L' && data[3] == 'F') {
            return "; this is an ELF file (vmlinux?): use arch/arm64/boot/Image";
        }
        return "";
    }

    private static long loadAddress(long ramBase, long textOffset) {
        long base = (ramBase + Layout.ARM64_KERNEL_ALIGN - 1) & -Layout.ARM64_KERNEL_ALIGN;
        return base + textOffset;
    }

    @Override
    public ExecutionState state() { return ExecutionState.AARCH64; }

    /** RAM base is 2 MiB aligned in the layout; aligning here keeps the rule true if that ever changes. */
    @Override
    public long loadAddress(long ramBase) {
        return loadAddress(ramBase, textOffset);
    }

    @Override
    public long footprintEnd(long ramBase) {
        return Math.addExact(loadAddress(ramBase), Math.max(imageSize, payloadSize));
    }

    @Override
    public String describeFootprint() {
        return String.format("text_offset 0x%x + image_size %s", textOffset, Sizes.format(imageSize));
    }
}
