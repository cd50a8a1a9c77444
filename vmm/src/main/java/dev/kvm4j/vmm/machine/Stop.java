package dev.kvm4j.vmm.machine;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/** How the machine ended: the first vCPU (or the user) to decide wins; everyone else sees it. */
final class Stop {
    record Reason(int exitStatus, String message) {}

    private final AtomicReference<Reason> reason = new AtomicReference<>();
    private final CountDownLatch stopped = new CountDownLatch(1);

    /** Returns true if this call decided the machine's end. */
    boolean request(int exitStatus, String message) {
        boolean first = reason.compareAndSet(null, new Reason(exitStatus, message));
        stopped.countDown();
        return first;
    }

    boolean requested() { return reason.get() != null; }

    Reason await() throws InterruptedException {
        stopped.await();
        return reason.get();
    }
}
