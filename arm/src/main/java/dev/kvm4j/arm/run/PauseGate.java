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
    /** The one vCPU index let out of a pause (a debugger's single step), or -1. */
    private volatile int exempt = -1;
    private int threads, parked, finished;

    boolean requested() { return requested; }

    /** Whether vCPU {@code index} must park now: a pause is requested and it is not the one let out. */
    boolean mustPark(int index) { return requested && exempt != index; }

    /** The number of vCPU threads that will report here, set when they start. */
    void expect(int n) {
        lock.lock();
        try {
            threads = n;
        } finally {
            lock.unlock();
        }
    }

    void request() {
        requested = true;
        exempt = -1;
    }

    /** Keeps the pause for every vCPU but {@code index}, which runs until the next {@link #request()}. */
    void exempt(int index) {
        lock.lock();
        try {
            exempt = index;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    void resume() {
        lock.lock();
        try {
            requested = false;
            exempt = -1;
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
    void park(int index) {
        lock.lock();
        try {
            parked++;
            changed.signalAll();
            while (mustPark(index) && !released) changed.awaitUninterruptibly();
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
