package dev.kvm4j.kvm.sys;

import dev.kvm4j.kvm.Errno;
import dev.kvm4j.kvm.internal.FileHandle;
import dev.kvm4j.kvm.internal.Libc;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A file's allocated space, through {@code fallocate(2)}: punch a hole (the range reads back as zeros and
 * its blocks are freed) or zero a range in place, both without changing the file's size. A virtio-blk disk
 * uses it for DISCARD and WRITE_ZEROES. Whether the host file system can is learnt by trying:
 * {@link UnsupportedOperationException} for EOPNOTSUPP (tmpfs has no ZERO_RANGE, some file systems no holes).
 * <p>
 * Opens its own descriptor of the file (read-write). Keep it open as long as any other descriptor of the file
 * in this process holds a POSIX lock: closing any descriptor of a file drops the process's locks on it.
 */
public final class FileSpace implements AutoCloseable {
    /** {@code <linux/falloc.h>}. */
    public static final int FALLOC_FL_KEEP_SIZE = 0x01, FALLOC_FL_PUNCH_HOLE = 0x02, FALLOC_FL_ZERO_RANGE = 0x10;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle FALLOCATE = LINKER.downcallHandle(
            LINKER.defaultLookup().find("fallocate").orElseThrow(() -> new UnsatisfiedLinkError("libc has no fallocate")),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), Linker.Option.captureCallState("errno"));

    private final FileHandle handle;
    private final Path path;

    private FileSpace(FileHandle handle, Path path) {
        this.handle = handle;
        this.path = path;
    }

    /**
     * Opens {@code path} read-write for fallocate.
     *
     * @param path the file
     * @return its space, to be closed by the caller
     * @throws IOException when the file cannot be opened read-write
     */
    public static FileSpace open(Path path) throws IOException {
        return new FileSpace(HostFile.open(path, Libc.O_RDWR), path);
    }

    /**
     * Frees {@code [offset, offset+length)}: it reads back as zeros; the file keeps its size.
     *
     * @param offset first byte
     * @param length bytes, positive
     * @throws IOException when fallocate fails
     * @throws UnsupportedOperationException when the file system cannot punch holes
     */
    public void punchHole(long offset, long length) throws IOException {
        fallocate("punch a hole", FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length);
    }

    /**
     * Zeroes {@code [offset, offset+length)} (unwritten extents, no data written); the file keeps its size.
     *
     * @param offset first byte
     * @param length bytes, positive
     * @throws IOException when fallocate fails
     * @throws UnsupportedOperationException when the file system has no ZERO_RANGE
     */
    public void zeroRange(long offset, long length) throws IOException {
        fallocate("zero a range", FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, offset, length);
    }

    private void fallocate(String what, int mode, long offset, long length) throws IOException {
        if (offset < 0 || length <= 0 || offset > Long.MAX_VALUE - length) {
            throw new IllegalArgumentException("range " + offset + "+" + length + " is not a positive range of a file");
        }
        int fd = handle.acquire("fallocate");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Libc.allocateErrno(arena);
            int r = (int) FALLOCATE.invokeExact(errno, fd, mode, offset, length);
            if (r == 0) return;
            Errno e = Errno.of(Libc.errno(errno));
            if (e == Errno.EOPNOTSUPP || e == Errno.ENOSYS) throw new UnsupportedOperationException(path + ": the file system cannot " + what);
            throw new IOException(path + ": fallocate (" + what + ") failed: " + e.description());
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        } finally {
            handle.release();
        }
    }

    @Override
    public void close() { handle.close(); }
}
