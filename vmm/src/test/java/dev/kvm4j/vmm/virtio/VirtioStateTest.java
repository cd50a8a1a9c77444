package dev.kvm4j.vmm.virtio;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import static dev.kvm4j.vmm.virtio.FakeDriver.*;
import static dev.kvm4j.vmm.virtio.VirtioMmio.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The transport's state as a snapshot keeps it: saved from one transport and restored into a new one on the
 * same RAM, the queue goes on where it was (the next chain lands in the next used slot), a chain made
 * available before the snapshot is served after the restore, and a state that does not fit is refused.
 */
class VirtioStateTest {
    @Test
    void aRestoredTransportGoesOnWhereTheSavedOneWas() throws Exception {
        try (var d = new FakeDriver(new VirtioRng())) {
            d.start();
            for (int i = 0; i < 3; i++) {
                d.submit(new FakeDriver.Buf(DATA + 64L * i, 64, true));
                d.awaitUsed(i);
            }
            VirtioMmio.State saved = d.mmio.save();
            assertEquals(S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK, saved.status());
            assertEquals(3, saved.queues().getFirst().lastAvail());
            assertEquals(3, saved.queues().getFirst().usedIdx());
            assertTrue(saved.queues().getFirst().ready());

            // a chain made available but not yet served when the snapshot was taken (no notify reached the device)
            d.descriptor(DESC, 3, DATA + 0x400, 32, Virtqueue.F_WRITE, 0);
            d.ram.slice(AVAIL + 4 + 2L * 3, 2).set(java.lang.foreign.ValueLayout.JAVA_SHORT, 0, (short) 3);
            d.setAvailIdx(4);

            Semaphore interrupts = new Semaphore(0);
            List<String> problems = new CopyOnWriteArrayList<>();
            VirtioMmio restored = new VirtioMmio(new VirtioRng(), d.ram, interrupts::release, (dev, line) -> problems.add(line));
            try {
                restored.restore(saved);
                assertTrue(interrupts.tryAcquire(30, TimeUnit.SECONDS), "the pending chain was not served; problems: " + problems);
                assertEquals(4, d.usedIdx(), "served into the next used slot");
                assertEquals(3, d.ram.readInt(USED + 4 + 8L * 3), "used id");
                assertEquals(32, d.ram.readInt(USED + 4 + 8L * 3 + 4), "used length");
                assertEquals(saved.status(), (int) restored.read(STATUS, 4));
                assertTrue(problems.isEmpty(), problems.toString());
            } finally {
                restored.close();
            }
        }
    }

    @Test
    void aStateThatDoesNotFitIsRefusedInOneLine() throws Exception {
        try (var d = new FakeDriver(new VirtioRng())) {
            d.start();
            VirtioMmio.State good = d.mmio.save();
            Virtqueue.State q = good.queues().getFirst();
            VirtioMmio.State outside = new VirtioMmio.State(good.status(), 0, 0, 0, good.driverFeatures(), 0, 0, false,
                    List.of(new Virtqueue.State(q.size(), true, RAM_BASE + RAM_SIZE, q.driverAddr(), q.deviceAddr(), 0, 0)));
            VirtioMmio.State tooBig = new VirtioMmio.State(good.status(), 0, 0, 0, good.driverFeatures(), 0, 0, false,
                    List.of(new Virtqueue.State(1024, true, q.descAddr(), q.driverAddr(), q.deviceAddr(), 0, 0)));
            VirtioMmio.State twoQueues = new VirtioMmio.State(good.status(), 0, 0, 0, good.driverFeatures(), 0, 0, false, List.of(q, q));
            VirtioMmio.State unoffered = new VirtioMmio.State(good.status(), 0, 0, 0, 1L << 40, 0, 0, false, List.of(q));
            VirtioMmio other = new VirtioMmio(new VirtioRng(), d.ram, () -> { }, (dev, line) -> { });
            try {
                for (VirtioMmio.State bad : List.of(outside, tooBig, twoQueues, unoffered)) {
                    var e = assertThrows(IllegalArgumentException.class, () -> other.restore(bad));
                    assertFalse(e.getMessage().contains("\n"), e.getMessage());
                    assertTrue(e.getMessage().startsWith("virtio-rng: "), e.getMessage());
                }
                other.restore(good);
                assertEquals(good, other.save());
            } finally {
                other.close();
            }
        }
    }
}
