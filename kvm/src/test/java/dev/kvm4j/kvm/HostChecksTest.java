package dev.kvm4j.kvm;

import dev.kvm4j.kvm.internal.FileHandle;
import dev.kvm4j.kvm.testing.Posix;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** Handle checks that need no KVM: a failed open leaks nothing, attribute buffers are checked before the ioctl. */
class HostChecksTest {

    @Test
    void openingAFileThatIsNotKvmClosesItsFd() {
        Set<Integer> before = Posix.openFds();
        var e = assertThrows(KvmException.class, () -> Kvm.open(Path.of("/dev/null")));
        assertTrue(e.getMessage().contains("KVM_GET_API_VERSION"), e.getMessage());
        assertEquals(before, Posix.openFds());
    }

    @Test
    void deviceAttributeBuffersMustBeNativeAndEightBytes() {
        int[] pipe = Posix.pipe();
        // A pipe in place of a device fd: a buffer that passed the check would reach it and fail as ENOTTY.
        try (Device d = new Device(new FileHandle(pipe[0], "device type 7"), 7); Arena a = Arena.ofConfined()) {
            var heap = assertThrows(IllegalArgumentException.class, () -> d.getAttribute(1, 0, MemorySegment.ofArray(new long[1])));
            assertTrue(heap.getMessage().contains("must be native memory"), heap.getMessage());
            var small = assertThrows(IllegalArgumentException.class, () -> d.setAttribute(1, 0, a.allocate(4)));
            assertTrue(small.getMessage().contains("has 4 bytes, at least 8"), small.getMessage());
            assertThrows(IllegalArgumentException.class, () -> d.setAttribute(1, 0, MemorySegment.NULL));
            assertThrows(KvmException.class, () -> d.setAttribute(1, 0, a.allocate(8)), "a good buffer reaches the ioctl");
        } finally {
            Posix.close(pipe[1]);
        }
    }
}
