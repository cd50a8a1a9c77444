package dev.kvm4j.arm.run;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Where vCPU threads wait while the machine is paused, and how the pausing thread learns that every one
 * of them is out of {@code KVM_RUN}: parked here or finished. Getting them out of the kernel (the kick) is
 * {@link MachineLoop}'s job; this class only counts.
 */
final class PauseGate {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** Read by vCPU threads between runs without the lock. */
    private volatile boolean requested;
    private boolean released;
    private int threads, parked, finished;

    boolean requested() { return requested; }

    /** The number of vCPU threads that will report here, set when they start. */
    void expect(int n) {
        lock.lock();
        try {
            threads = n;
        } finally {
            lock.unlock();
        }
    }

    void request() { requested = true; }

    void resume() {
        lock.lock();
        try {
            requested = false;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The machine ended: parked threads leave and nobody parks again. */
    void release() {
        lock.lock();
        try {
            released = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Called by a vCPU thread outside KVM_RUN: waits while a pause is requested. */
    void park() {
        lock.lock();
        try {
            parked++;
            changed.signalAll();
            while (requested && !released) changed.awaitUninterruptibly();
            parked--;
        } finally {
            lock.unlock();
        }
    }

    /** Called by a vCPU thread as its last act. */
    void finished() {
        lock.lock();
        try {
            finished++;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Waits up to {@code nanos} for every vCPU thread to be parked or finished; true when they are. */
    boolean awaitAllOut(long nanos) throws InterruptedException {
        lock.lock();
        try {
            while (parked + finished < threads) {
                if (nanos <= 0) return false;
                nanos = changed.awaitNanos(nanos);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }
}
