package dev.kvm4j.vmm.machine;

import dev.kvm4j.kvm.GuestMemory;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Zeroes guest RAM for a reboot. {@code madvise(MADV_DONTNEED)} on the private anonymous mapping hands the
 * pages back to the kernel, which maps zero pages on the next touch (KVM's MMU notifier drops its stage-2
 * entries): instant, and the host gets the memory back. Filling with zeros is the fallback.
 */
final class RamReset {
    private RamReset() {}

    private static final int MADV_DONTNEED = 4;
    private static final MethodHandle MADVISE = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("madvise").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));

    static void zero(GuestMemory ram) {
        MemorySegment s = ram.segment();
        int rc;
        try {
            rc = (int) MADVISE.invokeExact(s, s.byteSize(), MADV_DONTNEED);
        } catch (Throwable t) {
            rc = -1;
        }
        if (rc != 0) s.fill((byte) 0);
    }
}
