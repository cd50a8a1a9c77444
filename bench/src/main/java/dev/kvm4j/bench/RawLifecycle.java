package dev.kvm4j.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The VM lifecycle as bare FFM downcalls from this JVM, no kvm4j objects and no arenas but one confined
 * arena for the whole run: the floor any Java VMM pays on this host. kvm4j minus this is kvm4j's own
 * cost; this minus C is the cost of doing the same syscalls from a JVM process (more threads, a larger
 * address space) rather than from a small C one. An experiment for the lifecycle breakdown, not a product path.
 */
final class RawLifecycle implements Pairs.Turn {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle OPEN = bind("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = bind("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle IOCTL = bind("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle MMAP = bind("mmap", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUNMAP = bind("munmap", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));

    // linux/kvm.h
    private static final long KVM_GET_API_VERSION = 0xae00, KVM_CREATE_VM = 0xae01, KVM_GET_VCPU_MMAP_SIZE = 0xae04,
            KVM_CREATE_VCPU = 0xae41, KVM_SET_USER_MEMORY_REGION = 0x4020ae46L;

    private final long cycles;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment path = arena.allocateFrom("/dev/kvm");
    private final MemorySegment region = arena.allocate(32, 8);

    RawLifecycle(long cycles) { this.cycles = cycles; }

    @Override
    public double measure() throws Exception {
        long t0 = System.nanoTime();
        try {
            for (long i = 0; i < cycles; i++) once();
        } catch (Exception | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        return (double) (System.nanoTime() - t0) / cycles;
    }

    private void once() throws Throwable {
        int kvm = check((int) OPEN.invokeExact(path, 0x80002), "open /dev/kvm");
        check((int) IOCTL.invokeExact(kvm, KVM_GET_API_VERSION, 0L), "KVM_GET_API_VERSION");
        int runSize = check((int) IOCTL.invokeExact(kvm, KVM_GET_VCPU_MMAP_SIZE, 0L), "KVM_GET_VCPU_MMAP_SIZE");
        int vm = check((int) IOCTL.invokeExact(kvm, KVM_CREATE_VM, 0L), "KVM_CREATE_VM");
        long ram = (long) MMAP.invokeExact(0L, Lifecycle.RAM_SIZE, 3, 0x4022, -1, 0L);
        if (ram == -1) throw new IllegalStateException("mmap of guest RAM failed");
        region.set(ValueLayout.JAVA_INT, 0, 0);                  // slot
        region.set(ValueLayout.JAVA_INT, 4, 0);                  // flags
        region.set(ValueLayout.JAVA_LONG, 8, 0L);                // guest_phys_addr
        region.set(ValueLayout.JAVA_LONG, 16, Lifecycle.RAM_SIZE); // memory_size
        region.set(ValueLayout.JAVA_LONG, 24, ram);              // userspace_addr
        check((int) IOCTL.invokeExact(vm, KVM_SET_USER_MEMORY_REGION, region.address()), "KVM_SET_USER_MEMORY_REGION");
        int vcpu = check((int) IOCTL.invokeExact(vm, KVM_CREATE_VCPU, 0L), "KVM_CREATE_VCPU");
        long run = (long) MMAP.invokeExact(0L, (long) runSize, 3, 1, vcpu, 0L);
        if (run == -1) throw new IllegalStateException("mmap of kvm_run failed");
        int ignored = (int) MUNMAP.invokeExact(run, (long) runSize);
        ignored = (int) CLOSE.invokeExact(vcpu);
        ignored = (int) CLOSE.invokeExact(vm);
        ignored = (int) MUNMAP.invokeExact(ram, Lifecycle.RAM_SIZE);
        ignored = (int) CLOSE.invokeExact(kvm);
    }

    private static int check(int r, String what) {
        if (r < 0) throw new IllegalStateException(what + " failed");
        return r;
    }

    private static MethodHandle bind(String name, FunctionDescriptor fd, Linker.Option... options) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), fd, options);
    }
}
