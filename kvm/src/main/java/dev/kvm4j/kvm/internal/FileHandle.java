package dev.kvm4j.kvm.internal;

import dev.kvm4j.kvm.ClosedHandleException;
import dev.kvm4j.kvm.KvmException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One owned file descriptor with a use count. Every syscall on the fd happens between {@link #acquire} and
 * {@link #release}; {@link #close()} refuses new users at once, but the real {@code close(fd)} (and the
 * handle's after-close action) waits for the last user to leave. So a close racing with an ioctl in another
 * thread can never send that ioctl to a number the process has meanwhile reused for another file.
 */
public final class FileHandle implements AutoCloseable {
    /** The sign bit: closed by its owner; the rest of the word counts the users inside a syscall. */
    private static final int CLOSED = Integer.MIN_VALUE;

    private final int fd;
    private final String what;
    private final Runnable afterClose;
    private final AtomicInteger state = new AtomicInteger();

    public FileHandle(int fd, String what) { this(fd, what, null); }

    /** {@code afterClose} runs once, right after the real {@code close(fd)}, in whichever thread leaves last. */
    public FileHandle(int fd, String what, Runnable afterClose) {
        this.fd = fd;
        this.what = what;
        this.afterClose = afterClose;
    }

    /** Keeps the fd open until the matching {@link #release()}; {@code operation} names the refused call. */
    public int acquire(String operation) {
        for (int s = state.get(); ; s = state.get()) {
            if (s < 0) throw new ClosedHandleException(what, operation);
            if (s == Integer.MAX_VALUE) throw new IllegalStateException(what + " has too many concurrent users");
            if (state.compareAndSet(s, s + 1)) return fd;
        }
    }

    public void release() {
        if (state.decrementAndGet() == CLOSED) finish();
    }

    public String what() { return what; }

    public boolean isClosed() { return state.get() < 0; }

    /** An ioctl whose argument is a value; returns the non-negative result or throws the typed errno. */
    public int ioctl(String name, long request, long arg) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Libc.allocateErrno(arena);
            int fd = acquire(name);
            int r;
            try {
                r = Libc.ioctl(errno, fd, request, arg);
            } finally {
                release();
            }
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
        int fd = acquire(name);
        int r;
        try {
            r = Libc.ioctl(errno, fd, request, arg);
        } finally {
            release();
        }
        if (r < 0) throw KvmException.of(name, what, Libc.errno(errno));
        return r;
    }

    /**
     * For an ioctl that changes nothing when it fails and can be repeated: the first call goes without errno
     * capture (it allocates in C1-compiled code), and only a failure is asked again for its errno.
     */
    public int ioctlRepeatable(String name, long request, MemorySegment arg, MemorySegment errno) {
        int fd = acquire(name);
        try {
            int r = Libc.ioctlPlain(fd, request, arg);
            if (r >= 0) return r;
        } finally {
            release();
        }
        return ioctl(name, request, arg, errno);
    }

    /** Refuses new users; the fd itself is closed now, or by the last user still inside a call. Idempotent. */
    @Override
    public void close() {
        for (int s = state.get(); ; s = state.get()) {
            if (s < 0) return;
            if (state.compareAndSet(s, s | CLOSED)) {
                if (s == 0) finish();
                return;
            }
        }
    }

    private void finish() {
        Libc.close(fd);
        if (afterClose != null) afterClose.run();
    }
}
