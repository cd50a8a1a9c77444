package dev.kvm4j.arm.run;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/** A debugger's single step: one vCPU let out of a pause while the others stay parked, then parked again. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PauseGateExemptTest {
    @Test
    void onlyTheExemptVcpuLeavesThePauseAndTheNextRequestParksItAgain() throws Exception {
        PauseGate gate = new PauseGate();
        gate.expect(2);
        gate.request();
        AtomicInteger runs0 = new AtomicInteger(), runs1 = new AtomicInteger();
        CountDownLatch stop = new CountDownLatch(1);
        Thread t0 = vcpu(gate, 0, runs0, stop), t1 = vcpu(gate, 1, runs1, stop);
        assertTrue(gate.awaitAllOut(TimeUnit.SECONDS.toNanos(10)), "both parked");
        assertTrue(gate.mustPark(0) && gate.mustPark(1));
        int before0 = runs0.get(), before1 = runs1.get();

        gate.exempt(1);
        assertFalse(gate.mustPark(1), "vCPU 1 may run");
        assertTrue(gate.mustPark(0), "vCPU 0 stays parked");
        while (runs1.get() == before1) Thread.onSpinWait();
        assertFalse(gate.awaitAllOut(0), "one vCPU is out of the pause");

        gate.request(); // the step's stop
        assertTrue(gate.awaitAllOut(TimeUnit.SECONDS.toNanos(10)), "parked again");
        assertEquals(before0, runs0.get(), "vCPU 0 never ran");

        gate.resume();
        while (runs0.get() == before0) Thread.onSpinWait();
        stop.countDown();
        gate.release();
        t0.join();
        t1.join();
    }

    /** A vCPU thread's loop as VcpuRunner runs it, with "running" a counter. */
    private static Thread vcpu(PauseGate gate, int index, AtomicInteger runs, CountDownLatch stop) {
        return Thread.ofPlatform().daemon().start(() -> {
            while (stop.getCount() > 0) {
                if (gate.mustPark(index)) {
                    gate.park(index);
                    continue;
                }
                runs.incrementAndGet();
                Thread.onSpinWait();
            }
            gate.finished();
        });
    }
}
