package dev.kvm4j.kvm;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** The eventfd counter's semantics and its fd's single close, without KVM. */
class EventFdTest {

    @Test
    void signalsAddUpAndAReadTakesThemAll() {
        try (EventFd e = EventFd.create(true)) {
            assertEquals(0, e.read(), "a fresh non-blocking eventfd reads 0");
            e.signal();
            e.signal(4);
            assertEquals(5, e.read());
            assertEquals(0, e.read(), "the read reset the counter");
        }
    }

    @Test
    void aBlockedReaderWakesOnASignalAndTheFdClosesAfterIt() throws Exception {
        EventFd e = EventFd.create();
        CompletableFuture<Long> reader = CompletableFuture.supplyAsync(e::read);
        e.signal(7);
        assertEquals(7, reader.get(30, TimeUnit.SECONDS));
        e.close();
        e.close(); // idempotent
        assertTrue(e.isClosed());
        assertThrows(ClosedHandleException.class, e::signal);
        assertThrows(ClosedHandleException.class, e::read);
    }

    @Test
    void aNonPositiveSignalIsRefused() {
        try (EventFd e = EventFd.create(true)) {
            assertThrows(IllegalArgumentException.class, () -> e.signal(0));
        }
    }
}
