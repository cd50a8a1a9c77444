package dev.kvm4j.vmm.loader;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * An arm64 kernel built with CONFIG_EFI_ZBOOT: a small EFI program carrying the compressed Image. Its
 * header ("MZ", then "zimg") says where the payload is and how it is compressed, so kvm4j can unpack a
 * gzip payload itself instead of running the EFI decompressor.
 */
final class EfiZboot {
    private EfiZboot() {}

    private static final int PAYLOAD_OFFSET = 8, PAYLOAD_SIZE = 12, COMPRESSION = 0x18, COMPRESSION_LENGTH = 32;
    private static final int HEADER_SIZE = COMPRESSION + COMPRESSION_LENGTH;

    static boolean matches(byte[] d) {
        return d.length >= HEADER_SIZE && d[0] == 'M' && d[1] == 'Z' && d[4] == 'z' && d[5] == 'i' && d[6] == 'm' && d[7] == 'g';
    }

    static byte[] extract(Path file, byte[] d, long limit) {
        long offset = LittleEndian.u32(d, PAYLOAD_OFFSET);
        long size = LittleEndian.u32(d, PAYLOAD_SIZE);
        if (offset + size > d.length) {
            throw new LoadException("kernel", file, LoadException.Problem.TRUNCATED, String.format(
                    "EFI zboot header puts the payload at 0x%x..0x%x but the file has only %d bytes", offset, offset + size, d.length));
        }
        String compression = compression(d);
        if (!compression.equals("gzip")) {
            throw new LoadException("kernel", file, LoadException.Problem.UNSUPPORTED, "is an EFI zboot image compressed with '"
                    + compression + "'; kvm4j unpacks only gzip: give it the plain Image (arch/arm64/boot/Image) instead");
        }
        return Gunzip.inflate("kernel", file, Arrays.copyOfRange(d, (int) offset, (int) (offset + size)), limit);
    }

    private static String compression(byte[] d) {
        int end = COMPRESSION;
        while (end < HEADER_SIZE && d[end] != 0) end++;
        return new String(d, COMPRESSION, end - COMPRESSION, StandardCharsets.US_ASCII);
    }
}
