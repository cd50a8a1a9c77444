package dev.kvm4j.vmm.loader;

import dev.kvm4j.kvm.GuestMemory;

import java.nio.file.Path;

/**
 * A kernel's bytes as its header parser sees them: the file itself, or gzip data inflated on the fly.
 * Either way the header comes first (a few bytes on the heap) and the rest goes once, straight into
 * guest RAM where the header says it belongs.
 */
sealed interface KernelSource extends AutoCloseable permits PlainSource, Gunzip {
    Path file();

    /** The first {@code min(n, length)} bytes. */
    byte[] head(int n);

    /** How many bytes there are, or -1 if that is known only once they are copied (compressed data). */
    long length();

    /**
     * Copies the bytes into RAM at {@code gpa}: the first {@code want} of them (all if there are fewer).
     * Compressed data is inflated to its end all the same (checked, and capped at the RAM above {@code gpa}).
     *
     * @param want at most {@link #length()} for a plain file
     * @return how many bytes there are
     */
    long copyTo(GuestMemory ram, long gpa, long want);

    /** "is 40 bytes" or "decompresses to 40 bytes", for messages about a too-short image. */
    String describeLength(long length);

    /**
     * The kernel's first {@code size} bytes, its header; fewer is refused as truncated, in one wording for
     * every format ("is 40 bytes, shorter than the 64-byte arm64 Image header").
     *
     * @param format the image format the header belongs to, for the message
     */
    default byte[] header(int size, String format) {
        byte[] h = head(size);
        if (h.length < size) {
            throw new LoadException("kernel", file(), LoadException.Problem.TRUNCATED,
                    describeLength(h.length) + ", shorter than the " + size + "-byte " + format + " header");
        }
        return h;
    }

    /** Frees what inflating holds; the file itself is closed by its owner. */
    @Override
    default void close() {}
}
