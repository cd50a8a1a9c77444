package dev.kvm4j.vmm.loader;

import dev.kvm4j.vmm.Sizes;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Decompresses a gzip'ed kernel (Debian's arm64 vmlinuz) with a ceiling, so that a hostile or broken
 * file cannot make kvm4j allocate more than the guest could hold.
 */
final class Gunzip {
    private Gunzip() {}

    static boolean isGzip(byte[] data) {
        return data.length >= 2 && (data[0] & 0xff) == 0x1f && (data[1] & 0xff) == 0x8b;
    }

    static byte[] inflate(String role, Path file, byte[] gz, long limit) {
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(4L * gz.length, Math.min(limit, 64L << 20)));
        byte[] buffer = new byte[64 * 1024];
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz), buffer.length)) {
            long total = 0;
            for (int n; (n = in.read(buffer)) > 0; ) {
                total += n;
                if (total > limit) {
                    throw new LoadException(role, file, LoadException.Problem.TOO_BIG, "gzip data expands to more than "
                            + Sizes.format(limit) + " (guest RAM); use a larger --memory or check the file");
                }
                out.write(buffer, 0, n);
            }
        } catch (EOFException e) {
            throw new LoadException(role, file, LoadException.Problem.TRUNCATED, "gzip data ends early (file truncated?)", e);
        } catch (IOException e) {
            throw new LoadException(role, file, LoadException.Problem.CORRUPT, "corrupt gzip data: " + e.getMessage(), e);
        }
        return out.toByteArray();
    }
}
