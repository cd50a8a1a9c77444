package dev.kvm4j.kvm;

import dev.kvm4j.kvm.internal.FileHandle;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A Linux eventfd: a 64-bit counter behind a file descriptor. {@link #signal} adds to it, {@link #read} takes
 * it and resets it to 0. KVM signals one for a guest write ({@link Vm#ioEventFd}) and injects an interrupt
 * when one is signalled ({@link Vm#irqFd}), so a device thread and the kernel talk without a vCPU exit.
 * <p>
 * The fd is closed once, after the last call inside it returns: a thread blocked in {@link #read} keeps it
 * open, so {@link #close()} never sends a late call to a reused number. To stop a reader, let it see a stop
 * flag, {@link #signal} to wake it, then close.
 */
public final class EventFd implements AutoCloseable {
    /** {@code <sys/eventfd.h>}: the ABI check compares these with the header. */
    public static final int EFD_CLOEXEC = 0x80000, EFD_NONBLOCK = 0x800;
    private static final int EAGAIN = 11, EINTR = 4;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option ERRNO_OPT = Linker.Option.captureCallState("errno");
    private static final MethodHandle EVENTFD = bind("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle READ = bind("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle WRITE = bind("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));

    private final FileHandle handle;
    private final boolean nonBlocking;

    private EventFd(int fd, boolean nonBlocking) {
        this.handle = new FileHandle(fd, "eventfd " + fd);
        this.nonBlocking = nonBlocking;
    }

    /**
     * A blocking eventfd: {@link #read} waits until the counter is non-zero.
     *
     * @return the new eventfd; close it when done
     * @throws KvmException if the process is out of file descriptors
     */
    public static EventFd create() { return create(false); }

    /**
     * An eventfd, blocking or not.
     *
     * @param nonBlocking true: {@link #read} returns 0 at once when the counter is 0
     * @return the new eventfd; close it when done
     * @throws KvmException if the process is out of file descriptors
     */
    public static EventFd create(boolean nonBlocking) {
        int flags = EFD_CLOEXEC | (nonBlocking ? EFD_NONBLOCK : 0);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = arena.allocate(CAPTURE);
            int fd = (int) EVENTFD.invokeExact(errno, 0, flags);
            if (fd < 0) throw KvmException.of("eventfd", "this process", errno(errno));
            return new EventFd(fd, nonBlocking);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * Keeps the fd open for a kernel registration ({@code KVM_IOEVENTFD}, {@code KVM_IRQFD}) made with it;
     * {@link #release()} when done. The kernel holds its own reference once registered.
     */
    int acquire(String operation) { return handle.acquire(operation); }

    void release() { handle.release(); }

    /**
     * Adds {@code n} to the counter, waking a blocked reader.
     *
     * @param n the amount, positive
     * @throws IllegalArgumentException if {@code n} is not positive
     */
    public void signal(long n) {
        if (n <= 0) throw new IllegalArgumentException("an eventfd is signalled with a positive count, not " + n);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = arena.allocate(CAPTURE);
            MemorySegment value = arena.allocateFrom(JAVA_LONG, n);
            int fd = handle.acquire("write");
            long r;
            try {
                do {
                    r = (long) WRITE.invokeExact(errno, fd, value, 8L);
                } while (r < 0 && errno(errno) == EINTR);
            } finally {
                handle.release();
            }
            if (r != 8) throw KvmException.of("write", handle.what(), errno(errno));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Adds 1 to the counter, waking a blocked reader. */
    public void signal() { signal(1); }

    /**
     * Takes the counter and sets it to 0. A blocking eventfd waits for a non-zero counter (a kick signal's
     * EINTR returns 0); a non-blocking one returns 0 when there is nothing.
     *
     * @return the counter's value before the read, or 0 as said above
     */
    public long read() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = arena.allocate(CAPTURE);
            MemorySegment value = arena.allocate(JAVA_LONG);
            int fd = handle.acquire("read");
            long r;
            try {
                r = (long) READ.invokeExact(errno, fd, value, 8L);
            } finally {
                handle.release();
            }
            if (r == 8) return value.get(JAVA_LONG, 0);
            int e = errno(errno);
            if (e == EINTR || (e == EAGAIN && nonBlocking)) return 0;
            throw KvmException.of("read", handle.what(), e);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** {@return true once {@link #close()} was called} */
    public boolean isClosed() { return handle.isClosed(); }

    /** Refuses new calls; the fd closes now, or when the last call inside it (a blocked read) returns. Idempotent. */
    @Override
    public void close() { handle.close(); }

    @Override
    public String toString() { return handle.what(); }

    private static int errno(MemorySegment capture) { return (int) ERRNO.get(capture, 0L); }

    private static MethodHandle bind(String name, FunctionDescriptor fd) {
        MemorySegment symbol = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        return LINKER.downcallHandle(symbol, fd, ERRNO_OPT);
    }
}
