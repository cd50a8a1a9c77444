package dev.kvm4j.kvm.internal;

import dev.kvm4j.kvm.ClosedHandleException;
import dev.kvm4j.kvm.KvmException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One owned file descriptor: closed exactly once, and every use after close is a
 * {@link ClosedHandleException} instead of an ioctl on a number the process may have reused.
 */
public final class FileHandle implements AutoCloseable {
    private final int fd;
    private final String what;
    private final AtomicBoolean closed = new AtomicBoolean();

    public FileHandle(int fd, String what) {
        this.fd = fd;
        this.what = what;
    }

    public int fd() {
        if (closed.get()) throw new ClosedHandleException(what);
        return fd;
    }

    public String what() { return what; }

    public boolean isClosed() { return closed.get(); }

    /** An ioctl whose argument is a value; returns the non-negative result or throws the typed errno. */
    public int ioctl(String name, long request, long arg) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Libc.allocateErrno(arena);
            int r = Libc.ioctl(errno, fd(), request, arg);
            if (r < 0) throw KvmException.of(name, what, Libc.errno(errno));
            return r;
        }
    }

    /** An ioctl whose argument is a pointer. */
    public int ioctl(String name, long request, MemorySegment arg) {
        try (Arena arena = Arena.ofConfined()) {
            return ioctl(name, request, arg, Libc.allocateErrno(arena));
        }
    }

    /** The same with a caller-owned errno capture segment, for paths that must not allocate. */
    public int ioctl(String name, long request, MemorySegment arg, MemorySegment errno) {
        int r = Libc.ioctl(errno, fd(), request, arg);
        if (r < 0) throw KvmException.of(name, what, Libc.errno(errno));
        return r;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) Libc.close(fd);
    }
}
