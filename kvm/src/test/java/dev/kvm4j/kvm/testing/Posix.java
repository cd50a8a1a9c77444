package dev.kvm4j.kvm.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The few POSIX calls the lifetime and signal tests need beyond the product's own, and this process's
 * open fds and mappings as /proc lists them. Test-only.
 */
public final class Posix {
    private Posix() {}

    /** asm-generic numbers, the same on x86_64 and aarch64. */
    public static final int F_GETFL = 3, O_NONBLOCK = 0x800, EINTR = 4;
    /** ioctl(FIONBIO, int *on): sets or clears O_NONBLOCK on the file; a visible mark of an ioctl. */
    public static final long FIONBIO = 0x5421;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle PIPE = bind("pipe", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle CLOSE = bind("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle FCNTL = bind("fcntl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle READ = bind("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG),
            Linker.Option.captureCallState("errno"));

    private static MethodHandle bind(String name, FunctionDescriptor fd, Linker.Option... options) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), fd, options);
    }

    /** A new pipe: {read end, write end}. */
    public static int[] pipe() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fds = a.allocate(JAVA_INT, 2);
            if ((int) PIPE.invokeExact(fds) != 0) throw new IllegalStateException("pipe() failed");
            return new int[] {fds.get(JAVA_INT, 0), fds.get(JAVA_INT, 4)};
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void close(int fd) {
        try {
            int ignored = (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int fileStatusFlags(int fd) {
        try {
            return (int) FCNTL.invokeExact(fd, F_GETFL);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** One blocking read of up to one byte: the result, or minus errno. */
    public static long readOneByte(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment capture = a.allocate(CAPTURE);
            MemorySegment buf = a.allocate(1);
            long r = (long) READ.invokeExact(capture, fd, buf, 1L);
            return r >= 0 ? r : -(int) ERRNO.get(capture, 0L);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The numbers of this process's open fds. */
    public static Set<Integer> openFds() {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            Set<Integer> fds = new TreeSet<>();
            s.forEach(p -> fds.add(Integer.parseInt(p.getFileName().toString())));
            return fds;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What fd {@code fd} is ({@code anon_inode:kvm-vcpu:0}, {@code pipe:[...]}…), or null when it is not open. */
    public static String fdTarget(int fd) {
        try {
            return Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
        } catch (IOException e) {
            return null;
        }
    }

    /** The lines of /proc/self/maps. */
    public static List<String> maps() {
        try {
            return Files.readAllLines(Path.of("/proc/self/maps"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }
}
