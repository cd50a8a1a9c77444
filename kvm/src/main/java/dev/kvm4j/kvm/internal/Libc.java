package dev.kvm4j.kvm.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The few libc calls kvm4j needs, bound once through the FFM linker. Calls that can fail take a
 * capture segment for errno; each caller owns one so that a hot path (KVM_RUN) allocates nothing.
 */
public final class Libc {
    private Libc() {}

    public static final int O_RDONLY = 0;
    public static final int O_RDWR = 2;
    public static final int O_CLOEXEC = 0x80000;
    public static final int PROT_READ = 1, PROT_WRITE = 2;
    public static final int MAP_SHARED = 1, MAP_PRIVATE = 2, MAP_ANONYMOUS = 0x20, MAP_NORESERVE = 0x4000;
    public static final int MADV_DONTNEED = 4;
    /** The flag kvm4j must NOT set for its kick signal: with it, a blocking read or write resumes instead of EINTR. */
    public static final int SA_RESTART = 0x10000000;

    /**
     * glibc's {@code struct sigaction} on x86_64 and aarch64 alike (the generic Linux one): the handler union,
     * a 1024-bit {@code sa_mask}, {@code int sa_flags}, then {@code sa_restorer}, which glibc fills itself.
     * KvmAbiTest checks every offset and the size against both architectures' {@code <signal.h>}.
     */
    public static final StructLayout STRUCT_SIGACTION = MemoryLayout.structLayout(
            ADDRESS.withName("sa_handler"),
            MemoryLayout.sequenceLayout(128, JAVA_BYTE).withName("sa_mask"),
            JAVA_INT.withName("sa_flags"),
            MemoryLayout.paddingLayout(4),
            ADDRESS.withName("sa_restorer")).withName("sigaction");
    private static final long SA_HANDLER = STRUCT_SIGACTION.byteOffset(MemoryLayout.PathElement.groupElement("sa_handler"));
    private static final long SA_FLAGS = STRUCT_SIGACTION.byteOffset(MemoryLayout.PathElement.groupElement("sa_flags"));

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option ERRNO_OPT = Linker.Option.captureCallState("errno");

    private static final MethodHandle OPEN = bind("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT),
            Linker.Option.firstVariadicArg(2), ERRNO_OPT);
    private static final MethodHandle CLOSE = bind("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle IOCTL_PTR = bind("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
            Linker.Option.firstVariadicArg(2), ERRNO_OPT);
    /**
     * For ioctls that return at once and can be repeated (ONE_REG): a critical call skips the thread-state
     * transitions and the errno capture, which cost more than the ioctl itself on a slow host. Never for
     * KVM_RUN: a critical call holds up every safepoint while it lasts. Nor for a vCPU ioctl that could
     * meet KVM_RUN in another thread: it would wait in the kernel for the vCPU's mutex, holding up every
     * safepoint (a JVM-wide freeze); Vcpu's gate makes ONE_REG and KVM_RUN exclusive for that reason.
     */
    private static final MethodHandle IOCTL_PTR_SHORT = bind("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
            Linker.Option.firstVariadicArg(2), Linker.Option.critical(false));
    /** Without errno capture, which allocates per call in C1-compiled code (C2 removes it): for repeatable ioctls. */
    private static final MethodHandle IOCTL_PTR_PLAIN = bind("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle IOCTL_LONG = bind("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(2), ERRNO_OPT);
    private static final MethodHandle MMAP = bind("mmap",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG), ERRNO_OPT);
    private static final MethodHandle MUNMAP = bind("munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle MADVISE = bind("madvise", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle PTHREAD_SELF = bind("pthread_self", FunctionDescriptor.of(JAVA_LONG));
    private static final MethodHandle PTHREAD_KILL = bind("pthread_kill", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle SIGACTION = bind("sigaction", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SIGRTMIN = bind("__libc_current_sigrtmin", FunctionDescriptor.of(JAVA_INT));

    private static MethodHandle bind(String name, FunctionDescriptor fd, Linker.Option... options) {
        MemorySegment symbol = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        return LINKER.downcallHandle(symbol, fd, options);
    }

    public static MemorySegment allocateErrno(Arena arena) { return arena.allocate(CAPTURE); }

    public static int errno(MemorySegment capture) { return (int) ERRNO.get(capture, 0L); }

    public static int open(MemorySegment capture, String path, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            return (int) OPEN.invokeExact(capture, arena.allocateFrom(path), flags);
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static void close(int fd) {
        try { int ignored = (int) CLOSE.invokeExact(fd); } catch (Throwable t) { throw rethrow(t); }
    }

    public static int ioctl(MemorySegment capture, int fd, long request, MemorySegment arg) {
        try { return (int) IOCTL_PTR.invokeExact(capture, fd, request, arg); } catch (Throwable t) { throw rethrow(t); }
    }

    /** A short, repeatable ioctl without errno; on a negative result, repeat it with {@link #ioctl} to learn why. */
    public static int ioctlShort(int fd, long request, MemorySegment arg) {
        try { return (int) IOCTL_PTR_SHORT.invokeExact(fd, request, arg); } catch (Throwable t) { throw rethrow(t); }
    }

    /** An ioctl that may be repeated, without errno; on a negative result, repeat it with {@link #ioctl} to learn why. */
    public static int ioctlPlain(int fd, long request, MemorySegment arg) {
        try { return (int) IOCTL_PTR_PLAIN.invokeExact(fd, request, arg); } catch (Throwable t) { throw rethrow(t); }
    }

    public static int ioctl(MemorySegment capture, int fd, long request, long arg) {
        try { return (int) IOCTL_LONG.invokeExact(capture, fd, request, arg); } catch (Throwable t) { throw rethrow(t); }
    }

    /** Returns the mapping, or {@link MemorySegment#NULL}'s address -1 on failure (errno in capture). */
    public static MemorySegment mmap(MemorySegment capture, long length, int prot, int flags, int fd, long offset) {
        try {
            return (MemorySegment) MMAP.invokeExact(capture, MemorySegment.NULL, length, prot, flags, fd, offset);
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static boolean mapFailed(MemorySegment mapping) { return mapping.address() == -1L; }

    public static void munmap(MemorySegment address, long length) {
        try { int ignored = (int) MUNMAP.invokeExact(address, length); } catch (Throwable t) { throw rethrow(t); }
    }

    /** Returns 0, or -1 on failure. */
    public static int madvise(MemorySegment address, long length, int advice) {
        try { return (int) MADVISE.invokeExact(address, length, advice); } catch (Throwable t) { throw rethrow(t); }
    }

    public static long pthreadSelf() {
        try { return (long) PTHREAD_SELF.invokeExact(); } catch (Throwable t) { throw rethrow(t); }
    }

    public static int pthreadKill(long thread, int signal) {
        try { return (int) PTHREAD_KILL.invokeExact(thread, signal); } catch (Throwable t) { throw rethrow(t); }
    }

    /**
     * Makes {@code signal} harmless to this process: its handler becomes libc's {@code abs}, which reads
     * its int argument and returns. A handler of our own would mean native code or a Java upcall in
     * signal context; abs is neither, and delivery still interrupts a blocking KVM_RUN with EINTR.
     * Installed with {@code sigaction} and no {@code SA_RESTART} (glibc's {@code signal()} sets it): a
     * thread kicked while blocked in another syscall (a console write) gets EINTR too, instead of staying.
     */
    public static void installNoOpHandler(int signal) {
        MemorySegment abs = LINKER.defaultLookup().find("abs").orElseThrow(() -> new UnsatisfiedLinkError("libc has no abs"));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment action = arena.allocate(STRUCT_SIGACTION); // zeroed: empty sa_mask, no flags
            action.set(ADDRESS, SA_HANDLER, abs);
            int r = (int) SIGACTION.invokeExact(signal, action, MemorySegment.NULL);
            if (r != 0) throw new IllegalStateException("sigaction(" + signal + ") failed: the kick signal has no handler");
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** The {@code sa_flags} of {@code signal}'s current disposition (for tests of the kick signal). */
    public static int signalFlags(int signal) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment old = arena.allocate(STRUCT_SIGACTION);
            int r = (int) SIGACTION.invokeExact(signal, MemorySegment.NULL, old);
            if (r != 0) throw new IllegalStateException("sigaction(" + signal + ") failed");
            return old.get(JAVA_INT, SA_FLAGS);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static int sigrtmin() {
        try { return (int) SIGRTMIN.invokeExact(); } catch (Throwable t) { throw rethrow(t); }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }
}
