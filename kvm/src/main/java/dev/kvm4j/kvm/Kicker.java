package dev.kvm4j.kvm;

import dev.kvm4j.kvm.internal.Libc;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * Gets a vCPU thread out of {@code KVM_RUN}: {@code immediate_exit} catches a thread that is about to
 * enter, a real-time signal interrupts one that is inside (KVM returns EINTR). The signal's handler does
 * nothing and runs no Java: it is libc's {@code abs}, a pure function of its int argument. Because the
 * signal is never blocked, a kick still in flight when a thread ends is simply handled, never fatal, and
 * KVM_RUN needs no signal mask of its own (no sigprocmask swap in the kernel on every entry).
 */
final class Kicker {
    static final int KICK_SIGNAL = Libc.sigrtmin() + 6;

    static {
        Libc.installNoOpHandler(KICK_SIGNAL);
    }

    private final MemorySegment run;
    private final long immediateExitOffset;
    private volatile Thread runThread;
    private volatile long runPthread;

    Kicker(MemorySegment run, long immediateExitOffset) {
        this.run = run;
        this.immediateExitOffset = immediateExitOffset;
    }

    /** Remembers which thread runs the vCPU, so a kick can reach it. */
    void prepareCurrentThread() {
        Thread t = Thread.currentThread();
        if (t == runThread) return;
        runPthread = Libc.pthreadSelf();
        runThread = t;
    }

    void kick() {
        run.set(ValueLayout.JAVA_BYTE, immediateExitOffset, (byte) 1);
        VarHandle.fullFence();
        Thread t = runThread;
        if (t != null && t.isAlive()) Libc.pthreadKill(runPthread, KICK_SIGNAL);
    }

    /** After EINTR: the next run may enter the guest again. */
    void acknowledge() {
        run.set(ValueLayout.JAVA_BYTE, immediateExitOffset, (byte) 0);
    }
}
