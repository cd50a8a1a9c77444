package dev.kvm4j.kvm;

import dev.kvm4j.kvm.internal.Libc;
import dev.kvm4j.kvm.testing.Posix;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;

/** The kick signal's disposition: no KVM needed, the signal is plain POSIX. */
class KickSignalTest {

    @Test
    void theHandlerIsInstalledWithoutSaRestart() {
        assertEquals(0, Libc.signalFlags(VcpuGate.KICK_SIGNAL) & Libc.SA_RESTART);
    }

    /** A vCPU thread blocked in a console write must be freed by a kick as KVM_RUN is: EINTR, not a restart. */
    @Test
    void aThreadBlockedInReadReturnsEintrWhenKicked() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            int[] pipe = Posix.pipe();
            AtomicLong pthread = new AtomicLong();
            AtomicLong result = new AtomicLong(Long.MIN_VALUE);
            CountDownLatch mayEnd = new CountDownLatch(1);
            int signal = VcpuGate.KICK_SIGNAL; // installs the handler
            Thread reader = Thread.ofPlatform().start(() -> {
                pthread.set(Libc.pthreadSelf());
                result.set(Posix.readOneByte(pipe[0])); // nothing is ever written
                try {
                    mayEnd.await(); // alive until the last signal is sent
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            while (pthread.get() == 0) Thread.onSpinWait();
            while (result.get() == Long.MIN_VALUE) {
                Libc.pthreadKill(pthread.get(), signal);
                Thread.sleep(10);
            }
            mayEnd.countDown();
            reader.join();
            assertEquals(-Posix.EINTR, result.get(), "read() returned " + result.get());
            Posix.close(pipe[0]);
            Posix.close(pipe[1]);
        });
    }
}
