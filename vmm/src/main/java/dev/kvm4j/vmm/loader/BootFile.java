package dev.kvm4j.vmm.loader;

import dev.kvm4j.vmm.Sizes;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;

import static dev.kvm4j.vmm.loader.LoadException.Problem.*;

/**
 * A kernel or initrd opened once. Only a regular file is opened (a FIFO would block the open and a device
 * has no end), its size is judged on the open channel, and every read is positional and stays inside that
 * size: a file swapped or grown after the check cannot make kvm4j read more, and one that shrank is an
 * error, not a short kernel.
 */
final class BootFile implements AutoCloseable {
    private static final int S_IFMT = 0170000, S_IFIFO = 0010000, S_IFCHR = 0020000, S_IFBLK = 0060000, S_IFSOCK = 0140000;
    /** Chunk of one read into guest RAM: ByteBuffer views of native memory are int-sized. */
    private static final long CHUNK = 1L << 30;

    private final String role;
    private final Path path;
    private final FileChannel channel;
    private final long size;

    private BootFile(String role, Path path, FileChannel channel, long size) {
        this.role = role;
        this.path = path;
        this.channel = channel;
        this.size = size;
    }

    /**
     * @param role  "kernel" or "initrd", for messages
     * @param limit guest RAM size: a larger file is refused before a byte of it is read
     */
    static BootFile open(String role, Path path, long limit) {
        Objects.requireNonNull(path);
        Object key = checkRegular(role, path);
        FileChannel channel;
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ);
        } catch (IOException e) {
            throw unreadable(role, path, e);
        }
        try {
            // The path may have been swapped between the check and the open: judge what was opened.
            if (!Objects.equals(key, checkRegular(role, path))) {
                throw new LoadException(role, path, UNREADABLE, "was replaced while being opened; try again");
            }
            long size = channel.size();
            if (size == 0) throw new LoadException(role, path, TRUNCATED, "is empty");
            if (size > limit) {
                throw new LoadException(role, path, TOO_BIG, "is " + Sizes.format(size) + ", larger than guest RAM ("
                        + Sizes.format(limit) + "); use a larger --memory");
            }
            return new BootFile(role, path, channel, size);
        } catch (IOException e) {
            close(channel);
            throw unreadable(role, path, e);
        } catch (RuntimeException e) {
            close(channel);
            throw e;
        }
    }

    /** @return the file's identity (device and inode), to see whether the path still names it */
    private static Object checkRegular(String role, Path path) {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(path, BasicFileAttributes.class);
        } catch (IOException e) {
            throw unreadable(role, path, e);
        }
        if (a.isDirectory()) throw new LoadException(role, path, UNREADABLE, "is a directory, not a file");
        if (!a.isRegularFile()) {
            throw new LoadException(role, path, UNREADABLE, "is " + kind(path) + ", not a regular file; kvm4j reads "
                    + role + "s only from regular files (save it to a file first)");
        }
        return a.fileKey();
    }

    private static String kind(Path path) {
        try {
            int mode = (Integer) Files.getAttribute(path, "unix:mode");
            return switch (mode & S_IFMT) {
                case S_IFIFO -> "a pipe (FIFO)";
                case S_IFCHR -> "a character device";
                case S_IFBLK -> "a block device";
                case S_IFSOCK -> "a socket";
                default -> "a special file";
            };
        } catch (IOException | RuntimeException e) {
            return "a special file";
        }
    }

    String role() { return role; }

    Path path() { return path; }

    /** The size judged when the file was opened; no read goes past it. */
    long size() { return size; }

    /** The first {@code min(n, size)} bytes, e.g. a header. */
    byte[] head(int n) {
        byte[] b = new byte[(int) Math.min(n, size)];
        read(0, ByteBuffer.wrap(b));
        return b;
    }

    /** Fills {@code dst} from {@code position}, which must lie with it inside the judged size. */
    void read(long position, ByteBuffer dst) {
        if (position < 0 || position > size || dst.remaining() > size - position) {
            throw new IllegalArgumentException(String.format("read of %d bytes at %d is outside the %d judged", dst.remaining(), position, size));
        }
        long at = position;
        try {
            while (dst.hasRemaining()) {
                int n = channel.read(dst, at);
                if (n < 0) {
                    throw new LoadException(role, path, TRUNCATED, "changed while being read: it ended after " + at
                            + " of the " + size + " bytes it had when opened");
                }
                at += n;
            }
        } catch (IOException e) {
            throw unreadable(role, path, e);
        }
    }

    /** Reads {@code dst.byteSize()} bytes from {@code position} straight into {@code dst} (guest RAM): no heap copy. */
    void read(long position, MemorySegment dst) {
        for (long done = 0; done < dst.byteSize(); done += CHUNK) {
            read(position + done, dst.asSlice(done, Math.min(CHUNK, dst.byteSize() - done)).asByteBuffer());
        }
    }

    @Override
    public void close() {
        close(channel);
    }

    private static void close(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // read-only: nothing was lost
        }
    }

    static LoadException unreadable(String role, Path path, IOException e) {
        String why = e instanceof NoSuchFileException ? "no such file"
                : e instanceof AccessDeniedException ? "permission denied"
                : "cannot read: " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage());
        return new LoadException(role, path, UNREADABLE, why, e);
    }
}
