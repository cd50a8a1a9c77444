package dev.kvm4j.kvm;

import dev.kvm4j.kvm.internal.FileHandle;
import dev.kvm4j.kvm.internal.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.kvm4j.kvm.abi.KvmIoctls.KVM_SET_SIGNAL_MASK;

/**
 * Gets a vCPU thread out of {@code KVM_RUN} without a signal handler, the way QEMU does: the kick signal
 * stays blocked in the vCPU thread except inside {@code KVM_RUN} (KVM_SET_SIGNAL_MASK), so a kick that
 * lands in the guest ends the run with EINTR, a kick that lands in Java stays pending and ends the next
 * run, and the thread then consumes the pending signal itself. No Java code ever runs in signal context.
 */
final class Kicker {
    private static final int KERNEL_SIGSET_BYTES = 8;
    private static final int KICK_SIGNAL = Libc.sigrtmin() + 6;

    private final FileHandle vcpu;
    private final MemorySegment run;
    private final long immediateExitOffset;
    private final MemorySegment kickSet;
    private final MemorySegment zeroTimeout;
    private volatile Thread runThread;
    private volatile long runPthread;

    Kicker(FileHandle vcpu, MemorySegment run, long immediateExitOffset, Arena arena) {
        this.vcpu = vcpu;
        this.run = run;
        this.immediateExitOffset = immediateExitOffset;
        this.kickSet = Libc.sigset(arena, KICK_SIGNAL);
        this.zeroTimeout = arena.allocate(16, 8);
    }

    /** Blocks the kick signal in the thread that is about to run, once per thread. */
    void prepareCurrentThread() {
        Thread t = Thread.currentThread();
        if (t == runThread) return;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment old = a.allocate(Libc.GLIBC_SIGSET_BYTES, 8);
            Libc.blockSignals(kickSet, old);
            // Inside KVM_RUN the thread's old mask applies, which lets the kick signal through.
            MemorySegment mask = a.allocate(4 + KERNEL_SIGSET_BYTES, 8);
            mask.set(ValueLayout.JAVA_INT, 0, KERNEL_SIGSET_BYTES);
            MemorySegment.copy(old, 0, mask, 4, KERNEL_SIGSET_BYTES);
            long bits = mask.get(ValueLayout.JAVA_LONG_UNALIGNED, 4) & ~(1L << (KICK_SIGNAL - 1));
            mask.set(ValueLayout.JAVA_LONG_UNALIGNED, 4, bits);
            vcpu.ioctl("KVM_SET_SIGNAL_MASK", KVM_SET_SIGNAL_MASK, mask);
        }
        runPthread = Libc.pthreadSelf();
        runThread = t;
    }

    void kick() {
        run.set(ValueLayout.JAVA_BYTE, immediateExitOffset, (byte) 1);
        java.lang.invoke.VarHandle.fullFence();
        Thread t = runThread;
        if (t != null && t.isAlive()) Libc.pthreadKill(runPthread, KICK_SIGNAL);
    }

    /** After EINTR: clear immediate_exit and consume a pending kick so the next run is not cut short. */
    void acknowledge() {
        run.set(ValueLayout.JAVA_BYTE, immediateExitOffset, (byte) 0);
        while (Libc.takePendingSignal(kickSet, zeroTimeout) > 0) {
            // drained
        }
    }
}
