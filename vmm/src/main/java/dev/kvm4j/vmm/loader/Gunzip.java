package dev.kvm4j.vmm.loader;

import dev.kvm4j.kvm.GuestMemory;
import dev.kvm4j.vmm.Sizes;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

import static dev.kvm4j.vmm.loader.LoadException.Problem.*;

/**
 * A gzip'ed kernel (Debian's arm64 vmlinuz, an EFI zboot payload), inflated straight into guest RAM in
 * 64 KiB steps: the heap holds a chunk, never the kernel, and a gzip bomb is stopped once it has produced
 * more than the RAM above the kernel's load address.
 */
final class Gunzip implements KernelSource {
    private static final int CHUNK = 64 * 1024;

    private final BootFile file;
    private final long start, length;
    /** "gzip data" or "EFI zboot payload", for messages. */
    private final String what;
    private GZIPInputStream in;
    private byte[] head = new byte[0];

    /** Inflates bytes {@code [start, start + length)} of {@code file}. */
    Gunzip(BootFile file, long start, long length, String what) {
        this.file = file;
        this.start = start;
        this.length = length;
        this.what = what;
    }

    static boolean isGzip(byte[] data) {
        return data.length >= 2 && (data[0] & 0xff) == 0x1f && (data[1] & 0xff) == 0x8b;
    }

    @Override
    public Path file() { return file.path(); }

    @Override
    public long length() { return -1; }

    @Override
    public byte[] head(int n) {
        if (head.length < n) {
            try {
                byte[] more = stream().readNBytes(n - head.length);
                byte[] h = Arrays.copyOf(head, head.length + more.length);
                System.arraycopy(more, 0, h, head.length, more.length);
                head = h;
            } catch (IOException e) {
                throw broken(e);
            }
        }
        return Arrays.copyOf(head, Math.min(n, head.length));
    }

    @Override
    public long copyTo(GuestMemory ram, long gpa, long want) {
        long room = ram.end() - gpa;
        try {
            long total = keep(ram, gpa, want, room, 0, head, head.length);
            byte[] chunk = new byte[CHUNK];
            for (int n; (n = stream().read(chunk, 0, CHUNK)) >= 0; ) total = keep(ram, gpa, want, room, total, chunk, n);
            return total;
        } catch (IOException e) {
            throw broken(e);
        }
    }

    /** Puts {@code n} more inflated bytes after the {@code total} so far; @return the new total. */
    private long keep(GuestMemory ram, long gpa, long want, long room, long total, byte[] chunk, int n) {
        if (n > room - total) {
            throw new LoadException(file.role(), file.path(), TOO_BIG, String.format(
                    "%s expands to more than %s, the guest RAM above the kernel's load address 0x%x;"
                            + " use a larger --memory or check the file", what, Sizes.format(room), gpa));
        }
        // Bytes past what the kernel needs are inflated only to check the data (its CRC), not kept.
        int kept = (int) Math.max(0, Math.min(n, want - total));
        if (kept > 0) MemorySegment.copy(chunk, 0, ram.slice(gpa + total, kept), ValueLayout.JAVA_BYTE, 0, kept);
        return total + n;
    }

    @Override
    public void close() {
        if (in == null) return;
        try {
            in.close(); // frees the inflater's native memory now rather than at GC
        } catch (IOException e) {
            // nothing was written
        }
    }

    private GZIPInputStream stream() throws IOException {
        if (in == null) in = new GZIPInputStream(new FileRegionStream(file, start, length), CHUNK);
        return in;
    }

    private LoadException broken(IOException e) {
        if (e instanceof EOFException) {
            return new LoadException(file.role(), file.path(), TRUNCATED, what + " ends early (file truncated?)", e);
        }
        return new LoadException(file.role(), file.path(), CORRUPT, "corrupt " + what + ": " + e.getMessage(), e);
    }

    @Override
    public String describeLength(long length) { return "decompresses to " + length + " bytes"; }
}
