package dev.kvm4j.vmm.loader;

import java.nio.file.Path;

import static dev.kvm4j.vmm.loader.LoadException.Problem.*;

/**
 * An arm64 kernel built with CONFIG_EFI_ZBOOT: a small EFI program carrying the compressed Image. Its
 * header (drivers/firmware/efi/libstub/zboot-header.S: "MZ", then "zimg") says where the payload is and
 * how it is compressed, so kvm4j can unpack a gzip payload itself instead of running the EFI decompressor.
 *
 * <pre>
 *   0x00 "MZ"   0x04 "zimg"   0x08 payload offset   0x0c payload size   0x18 compression type (NUL-padded, 32 bytes)
 * </pre>
 */
final class EfiZboot {
    private EfiZboot() {}

    static final int PAYLOAD_OFFSET = 0x08, PAYLOAD_SIZE = 0x0c, COMPRESSION = 0x18, COMPRESSION_LENGTH = 32;
    static final int HEADER_SIZE = COMPRESSION + COMPRESSION_LENGTH;

    static boolean matches(byte[] d) {
        return d.length >= HEADER_SIZE && d[0] == 'M' && d[1] == 'Z' && d[4] == 'z' && d[5] == 'i' && d[6] == 'm' && d[7] == 'g';
    }

    /** The payload, checked to lie inside the file, to be inflated on the fly. Both fields are 32-bit: their sum cannot wrap. */
    static KernelSource payload(BootFile f, byte[] head) {
        Path file = f.path();
        long offset = LittleEndian.u32(head, PAYLOAD_OFFSET);
        long size = LittleEndian.u32(head, PAYLOAD_SIZE);
        if (offset < HEADER_SIZE || offset >= f.size()) {
            throw new LoadException("kernel", file, BAD_HEADER, String.format(
                    "EFI zboot payload offset 0x%x at offset 0x08 is outside the file's payload area [0x%x, 0x%x)", offset, HEADER_SIZE, f.size()));
        }
        if (size == 0) {
            throw new LoadException("kernel", file, BAD_HEADER, "EFI zboot payload size 0 at offset 0x0c: the image carries no kernel");
        }
        if (offset + size > f.size()) {
            throw new LoadException("kernel", file, TRUNCATED, String.format(
                    "EFI zboot payload size %d at offset 0x0c puts the payload at 0x%x..0x%x but the file has only %d bytes",
                    size, offset, offset + size, f.size()));
        }
        String compression = compression(head);
        if (!compression.equals("gzip")) {
            throw new LoadException("kernel", file, UNSUPPORTED, "is an EFI zboot image compressed with '"
                    + compression + "'; kvm4j unpacks only gzip: give it the plain Image (arch/arm64/boot/Image) instead");
        }
        return new Gunzip(f, offset, size, "EFI zboot payload");
    }

    /** The type name as text; bytes that are not printable ASCII are shown escaped, so a message stays one line. */
    private static String compression(byte[] d) {
        StringBuilder s = new StringBuilder();
        for (int i = COMPRESSION; i < HEADER_SIZE && d[i] != 0; i++) {
            int c = d[i] & 0xff;
            if (c >= 0x20 && c < 0x7f) s.append((char) c);
            else s.append(String.format("\\x%02x", c));
        }
        return s.toString();
    }
}
