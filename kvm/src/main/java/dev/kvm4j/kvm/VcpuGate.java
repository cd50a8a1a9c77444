package dev.kvm4j.kvm;

import dev.kvm4j.kvm.internal.Libc;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Who is inside a vCPU right now, in one atomic word, and how a kick gets the runner out of KVM_RUN.
 * <ul>
 * <li>KVM_RUN and every other vCPU ioctl exclude each other. The kernel serialises them on the vCPU's mutex,
 *     and a thread waiting there for a vCPU that sits in the guest (WFI, a spin, PSCI off) waits without
 *     bound; through a critical downcall it would also hold up every safepoint and freeze the JVM. So a call
 *     while the vCPU runs is refused at once ({@link VcpuRunningException}); a run that meets a call waits the
 *     few microseconds the call takes. Calls are serialised among themselves: they share one buffer.</li>
 * <li>A kick sets {@code immediate_exit} (caught at the next entry) and, when a thread is in KVM_RUN,
 *     signals it (EINTR). The signalling kicker holds {@link #SIGNALLING}, and the runner cannot leave
 *     {@code run()} while it is held, so the signal never targets a thread that may have ended.</li>
 * <li>{@link #close()} refuses new users and kicks a runner; the release action (munmap of {@code kvm_run},
 *     close of the fd) runs once, in whichever user (runner, caller, signalling kicker) leaves last.</li>
 * </ul>
 * KVM_RUN costs one CAS in and one out, and no allocation.
 */
final class VcpuGate {
    static final int KICK_SIGNAL = Libc.sigrtmin() + 6;

    static {
        Libc.installNoOpHandler(KICK_SIGNAL);
    }

    /** A thread is in {@code run()}, between the claim and the release of KVM_RUN. */
    private static final long RUNNING = 1;
    /** A thread is in another vCPU ioctl. */
    private static final long CALLING = 2;
    /** A kicker is sending the signal to the runner, who must stay until it is sent. */
    private static final long SIGNALLING = 4;
    /** {@link #runThread}/{@link #runPthread} name the thread that holds {@link #RUNNING} (or held it last). */
    private static final long ARMED = 8;
    /** The runner waits to leave: no new kicker starts signalling, so a stream of kicks cannot hold it. */
    private static final long EXITING = 16;
    /** Bumped whenever another thread becomes the runner, so a stale "I am the runner" read fails its CAS. */
    private static final long GENERATION = 1L << 32;
    private static final long GENERATIONS = 0x7fff_ffffL << 32;
    private static final long CLOSED = Long.MIN_VALUE;
    private static final long USERS = RUNNING | CALLING | SIGNALLING;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(VcpuGate.class, "state", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String what;
    private final MemorySegment run;
    private final long immediateExit;
    private final Runnable release;
    private final ReentrantLock calls = new ReentrantLock();
    @SuppressWarnings("unused") // through STATE
    private volatile long state;
    /** Written by a new runner between its claim and {@link #ARMED}; read by kickers that saw ARMED. */
    private Thread runThread;
    private long runPthread;

    VcpuGate(String what, MemorySegment run, long immediateExit, Runnable release) {
        this.what = what;
        this.run = run;
        this.immediateExit = immediateExit;
        this.release = release;
    }

    /** Claims KVM_RUN for the calling thread; a vCPU ioctl in another thread is waited for. */
    void enterRun() {
        Thread self = Thread.currentThread();
        int waits = 0;
        for (long s = state; ; s = state) {
            if (s < 0) throw new ClosedHandleException(what, "KVM_RUN");
            if ((s & RUNNING) != 0) {
                throw new VcpuRunningException(what + " is already running on thread '" + runnerName()
                        + "': one thread runs a vCPU at a time; run it from that thread, or after its run() has returned");
            }
            if ((s & CALLING) != 0) {
                if (calls.isHeldByCurrentThread()) throw new IllegalStateException("KVM_RUN inside a vCPU call of the same thread");
                backOff(waits++); // a register access: microseconds
                continue;
            }
            if ((s & ARMED) != 0 && runThread == self) {
                if (STATE.compareAndSet(this, s, s | RUNNING)) return;
                continue;
            }
            long claimed = (s & ~(ARMED | GENERATIONS)) | ((s + GENERATION) & GENERATIONS) | RUNNING;
            if (!STATE.compareAndSet(this, s, claimed)) continue;
            runThread = self;
            runPthread = Libc.pthreadSelf();
            STATE.getAndBitwiseOr(this, ARMED);
            return;
        }
    }

    /**
     * Gives KVM_RUN up, once no kicker is still signalling this thread. Wait-free but for that one signal:
     * {@link #EXITING} stops new signallers, so a stream of kicks cannot keep the runner in.
     */
    void leaveRun() {
        long s = state;
        if ((s & SIGNALLING) == 0 && STATE.compareAndSet(this, s, s & ~RUNNING)) {
            releaseIfLast(s & ~RUNNING);
            return;
        }
        long seen = (long) STATE.getAndBitwiseOr(this, EXITING);
        for (int waits = 0; (seen & SIGNALLING) != 0; seen = state) backOff(waits++); // one pthread_kill away
        releaseIfLast((long) STATE.getAndBitwiseAnd(this, ~(RUNNING | EXITING)) & ~(RUNNING | EXITING));
    }

    /**
     * Starts a vCPU ioctl other than KVM_RUN, {@code operation}; pair with {@link #leaveCall()}.
     *
     * @throws VcpuRunningException if a thread is in KVM_RUN
     */
    void enterCall(String operation) {
        calls.lock();
        if (calls.getHoldCount() > 1) return;
        for (long s = state; ; s = state) {
            if (s < 0) {
                calls.unlock();
                throw new ClosedHandleException(what, operation);
            }
            if ((s & RUNNING) != 0) {
                calls.unlock();
                throw new VcpuRunningException(what + " is running (in KVM_RUN on thread '" + runnerName() + "'): " + operation
                        + " must wait until it is out; pause the machine or kick the vCPU before reading or writing its registers");
            }
            if (STATE.compareAndSet(this, s, s | CALLING)) return;
        }
    }

    void leaveCall() {
        try {
            if (calls.getHoldCount() == 1) releaseIfLast((long) STATE.getAndBitwiseAnd(this, ~CALLING) & ~CALLING);
        } finally {
            calls.unlock();
        }
    }

    /**
     * Gets the runner out of KVM_RUN soon, or makes the next run return at once. Safe from any thread. A kick
     * of an idle vCPU writes only {@code kvm_run}, never the state word, so a stream of kicks cannot starve a
     * runner's claim. {@code kvm_run} may be unmapped by a racing close: FFM then fails the write (the
     * closing of a shared arena is safe against concurrent access), which is reported as the close it is.
     */
    void kick() {
        if (state < 0) throw new ClosedHandleException(what, "kick");
        try {
            run.set(ValueLayout.JAVA_BYTE, immediateExit, (byte) 1);
        } catch (IllegalStateException unmapped) {
            throw new ClosedHandleException(what, "kick");
        }
        signalRunner();
    }

    /** After the flag: the signal, if a thread is in KVM_RUN and no other kicker is already sending one. */
    private void signalRunner() {
        VarHandle.fullFence(); // the flag before the look at the runner: one of the two reaches it
        long s;
        do {
            s = state;
            if ((s & (RUNNING | ARMED)) != (RUNNING | ARMED)) return; // idle, or a runner yet to enter: the flag does it
            if ((s & (SIGNALLING | EXITING)) != 0) return; // another kicker's signal is on its way, or the runner is out
        } while (!STATE.compareAndSet(this, s, s | SIGNALLING));
        try {
            Libc.pthreadKill(runPthread, KICK_SIGNAL); // the runner stays in run() while SIGNALLING is held
        } finally {
            releaseIfLast((long) STATE.getAndBitwiseAnd(this, ~SIGNALLING) & ~SIGNALLING);
        }
    }

    /** After EINTR, in the runner: the next run may enter the guest again. */
    void acknowledgeKick() {
        run.set(ValueLayout.JAVA_BYTE, immediateExit, (byte) 0);
    }

    boolean isClosed() { return state < 0; }

    /** Refuses new users and kicks a runner out; the release happens when the last user leaves. Idempotent. */
    void close() {
        long s;
        do {
            s = state;
            if (s < 0) return;
        } while (!STATE.compareAndSet(this, s, s | CLOSED));
        if ((s & USERS) == 0) {
            release.run(); // nobody inside, and nobody can enter now
            return;
        }
        try {
            run.set(ValueLayout.JAVA_BYTE, immediateExit, (byte) 1);
        } catch (IllegalStateException unmapped) {
            return; // the last user has left and released meanwhile: nobody to kick
        }
        signalRunner();
    }

    private void releaseIfLast(long now) {
        if (now < 0 && (now & USERS) == 0) release.run();
    }

    /** Spins briefly, then yields: on a busy host the other thread may be off the CPU mid-call. */
    private static void backOff(int waits) {
        if (waits < 100) Thread.onSpinWait(); else Thread.yield();
    }

    private String runnerName() {
        Thread t = runThread;
        return t == null ? "?" : t.getName();
    }
}
