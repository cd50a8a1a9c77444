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
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Positional scatter/gather file I/O through {@code preadv(2)} and {@code pwritev(2)}: many native buffers
 * (a virtio request's guest RAM segments) moved to or from one file range in one system call, where one
 * {@code pread} per buffer costs a call each. Short transfers are continued until every buffer is done or the
 * file ends; {@code EINTR} is retried.
 * <p>
 * Opens its own descriptor of the file. Keep it open as long as any other descriptor of the file in this
 * process holds a POSIX lock: closing any descriptor of a file drops the process's locks on it.
 */
public final class VectoredIo implements AutoCloseable {
    /** {@code IOV_MAX} of {@code <limits.h>} on Linux: the most buffers one call takes; longer lists take several calls. */
    public static final int IOV_MAX = 1024;
    /** {@code struct iovec}: {@code void *iov_base; size_t iov_len} on a 64-bit host. */
    private static final int IOVEC = 16;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle PREADV = bind("preadv");
    private static final MethodHandle PWRITEV = bind("pwritev");

    private static MethodHandle bind(String name) {
        return LINKER.downcallHandle(
                LINKER.defaultLookup().find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name)),
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG), Linker.Option.captureCallState("errno"));
    }

    private final FileHandle handle;
    private final Path path;
    private final boolean writable;

    private VectoredIo(FileHandle handle, Path path, boolean writable) {
        this.handle = handle;
        this.path = path;
        this.writable = writable;
    }

    /**
     * Opens {@code path} for vectored reads, and writes when {@code writable}.
     *
     * @param path the file
     * @param writable whether {@link #pwritev} may be used (the file is opened read-write, else read-only)
     * @return the open file, to be closed by the caller
     * @throws IOException when the file cannot be opened so
     */
    public static VectoredIo open(Path path, boolean writable) throws IOException {
        return new VectoredIo(HostFile.open(path, writable ? Libc.O_RDWR : Libc.O_RDONLY), path, writable);
    }

    /**
     * Reads the file from {@code offset} into {@code buffers} in order, until all are full or the file ends.
     *
     * @param offset the file position of the first byte
     * @param buffers native segments, filled in order
     * @return bytes read: the buffers' total, or less when the file ended first
     * @throws IOException when preadv fails
     * @throws IllegalArgumentException when a buffer is not native or not alive, or the range does not fit a file
     */
    public long preadv(long offset, List<MemorySegment> buffers) throws IOException {
        return transfer(false, offset, buffers);
    }

    /**
     * Writes {@code buffers} in order to the file from {@code offset}, all of them.
     *
     * @param offset the file position of the first byte
     * @param buffers native segments, written in order
     * @return bytes written: the buffers' total
     * @throws IOException when pwritev fails or writes nothing
     * @throws IllegalArgumentException when a buffer is not native or not alive, or the range does not fit a file
     * @throws IllegalStateException when the file was opened read-only
     */
    public long pwritev(long offset, List<MemorySegment> buffers) throws IOException {
        if (!writable) throw new IllegalStateException(path + " is open read-only: it cannot be written");
        return transfer(true, offset, buffers);
    }

    private long transfer(boolean write, long offset, List<MemorySegment> buffers) throws IOException {
        long total = 0;
        for (MemorySegment s : buffers) {
            if (!s.isNative() || !s.scope().isAlive()) throw new IllegalArgumentException("buffer " + s + " is not live native memory");
            if (s.byteSize() > Long.MAX_VALUE - total) throw new IllegalArgumentException("buffers' total overflows");
            total += s.byteSize();
        }
        if (offset < 0 || offset > Long.MAX_VALUE - total) {
            throw new IllegalArgumentException("range " + offset + "+" + total + " is not a range of a file");
        }
        String call = write ? "pwritev" : "preadv";
        int fd = handle.acquire(call);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Libc.allocateErrno(arena);
            MemorySegment iov = arena.allocate((long) IOVEC * Math.min(IOV_MAX, Math.max(1, buffers.size())), 8);
            int first = 0;      // the first buffer not yet done
            long within = 0;    // bytes of it already done
            long done = 0;
            while (first < buffers.size()) {
                if (buffers.get(first).byteSize() == within) { first++; within = 0; continue; }
                int count = 0;
                for (int i = first; i < buffers.size() && count < IOV_MAX; i++) {
                    MemorySegment s = buffers.get(i);
                    long skip = i == first ? within : 0;
                    if (s.byteSize() == skip) continue;
                    iov.set(JAVA_LONG, (long) IOVEC * count, s.address() + skip);
                    iov.set(JAVA_LONG, (long) IOVEC * count + 8, s.byteSize() - skip);
                    count++;
                }
                long n = write ? (long) PWRITEV.invokeExact(errno, fd, iov, count, offset + done)
                        : (long) PREADV.invokeExact(errno, fd, iov, count, offset + done);
                if (n < 0) {
                    Errno e = Errno.of(Libc.errno(errno));
                    if (e == Errno.EINTR) continue;
                    throw new IOException(path + ": " + call + " at " + (offset + done) + " failed: " + e.description());
                }
                if (n == 0) {
                    if (write) throw new IOException(path + ": " + call + " at " + (offset + done) + " wrote nothing");
                    return done; // end of file
                }
                done += n;
                // step past the n bytes: whole buffers, then into the next one
                for (long left = n; left > 0; ) {
                    long rest = buffers.get(first).byteSize() - within;
                    if (left >= rest) { left -= rest; first++; within = 0; }
                    else { within += left; left = 0; }
                }
            }
            return done;
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
