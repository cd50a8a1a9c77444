package dev.kvm4j.kvm.internal;

import dev.kvm4j.kvm.ClosedHandleException;
import dev.kvm4j.kvm.testing.Posix;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/** The use count of a file handle, on pipes: no KVM needed. */
class FileHandleTest {

    @Test
    void closeWhileAUserIsInsideLeavesTheFdOpenUntilThatUserLeaves() {
        int[] pipe = Posix.pipe();
        AtomicInteger afterClose = new AtomicInteger();
        FileHandle h = new FileHandle(pipe[0], "test pipe", afterClose::incrementAndGet);
        h.acquire("a long call");
        h.close();
        assertTrue(h.isClosed());
        assertNotNull(Posix.fdTarget(pipe[0]), "still open: a user is inside");
        var e = assertThrows(ClosedHandleException.class, () -> h.acquire("FIONBIO"));
        assertEquals("FIONBIO on test pipe refused: test pipe is closed (close() was called on it, by this or another thread);"
                + " use it only before close()", e.getMessage());
        assertEquals(0, afterClose.get());
        h.release();
        assertNull(Posix.fdTarget(pipe[0]), "closed by the last user to leave");
        assertEquals(1, afterClose.get());
        h.close();
        assertEquals(1, afterClose.get(), "closed once");
        Posix.close(pipe[1]);
    }

    /**
     * Threads ioctl (FIONBIO: it sets O_NONBLOCK, a mark that can be seen later) while the handle is closed
     * and its number at once reused by a new pipe. The new pipe must never get the mark.
     */
    @Test
    void anIoctlRacingWithCloseNeverReachesTheFileThatReusesTheNumber() throws Exception {
        int rounds = 500, reused = 0;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment on = arena.allocateFrom(ValueLayout.JAVA_INT, 1);
            for (int round = 0; round < rounds; round++) {
                int[] pipe = Posix.pipe();
                FileHandle h = new FileHandle(pipe[0], "test pipe");
                List<Thread> users = new ArrayList<>();
                for (int t = 0; t < 3; t++) {
                    users.add(Thread.ofPlatform().start(() -> {
                        try {
                            while (true) h.ioctl("FIONBIO", Posix.FIONBIO, on);
                        } catch (ClosedHandleException expected) {
                            // done
                        }
                    }));
                }
                Thread.onSpinWait();
                h.close();
                while (Posix.fdTarget(pipe[0]) != null) Thread.onSpinWait();
                int[] next = Posix.pipe(); // lowest free numbers: very likely the one just closed
                if (next[0] == pipe[0] || next[1] == pipe[0]) reused++;
                for (Thread u : users) u.join();
                for (int fd : next) {
                    assertEquals(0, Posix.fileStatusFlags(fd) & Posix.O_NONBLOCK, "round " + round + ": an ioctl reached fd " + fd);
                    Posix.close(fd);
                }
                Posix.close(pipe[1]);
            }
        }
        assertTrue(reused > rounds / 2, "the number was reused in " + reused + " of " + rounds + " rounds");
    }
}
