package dev.kvm4j.arm.run;

import dev.kvm4j.kvm.Vcpu;
import dev.kvm4j.kvm.Vm;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs a machine's vCPUs, one platform thread each, until a vCPU or a caller ends it, and says why
 * ({@link RunEnd}). Another thread may {@link #pause()} and {@link #resume()} all vCPUs. The loop never
 * leaves a thread behind: to end or pause it kicks every vCPU again and again until each thread is out of
 * KVM_RUN, because a vCPU that PSCI has powered off (CPU_OFF, SYSTEM_OFF on another vCPU, or never started
 * by CPU_ON) sleeps inside KVM_RUN and leaves it only for a signal.
 * <p>
 * The caller owns the vCPUs: it creates and initialises them before {@link #start()} and closes them after
 * {@link #await()} or {@link #close()} has returned.
 */
public final class MachineLoop implements AutoCloseable {
    /** How often a waiting caller kicks again: a kick that raced with a thread leaving KVM_RUN is repeated. */
    private static final long KICK_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final List<Vcpu> vcpus;
    private final MmioMap mmio;
    private final UnmappedPolicy unmapped;
    private final PauseGate gate = new PauseGate();
    private final AtomicReference<RunEnd> end = new AtomicReference<>();
    private final CountDownLatch ended = new CountDownLatch(1);
    private final List<Thread> threads = new ArrayList<>();
    private final List<VcpuRunner> runners = new ArrayList<>();
    private volatile DebugHook debugHook;

    /**
     * A loop over a machine's vCPUs, not started yet.
     *
     * @param vm the VM
     * @param vcpus every vCPU, initialised; thread i runs vcpus.get(i)
     * @param mmio the devices MMIO exits go to
     * @param unmapped what an access no device claims does
     * @throws IllegalArgumentException without a vCPU
     * @throws UnsupportedOperationException if {@code unmapped} is {@link UnmappedPolicy#EXTERNAL_ABORT} and
     *         this kernel cannot inject one (see {@link ExternalAbort#requireSupported})
     */
    public MachineLoop(Vm vm, List<Vcpu> vcpus, MmioMap mmio, UnmappedPolicy unmapped) {
        if (vcpus.isEmpty()) throw new IllegalArgumentException("a machine needs at least one vCPU");
        this.vcpus = List.copyOf(vcpus);
        this.mmio = Objects.requireNonNull(mmio);
        this.unmapped = Objects.requireNonNull(unmapped);
        if (unmapped == UnmappedPolicy.EXTERNAL_ABORT) ExternalAbort.requireSupported(vm);
    }

    /** Starts a thread per vCPU, named {@code kvm4j-vcpu-<id>}; daemons, so a stuck guest never holds the JVM. */
    public synchronized void start() {
        if (!threads.isEmpty()) throw new IllegalStateException("the machine loop was already started");
        gate.expect(vcpus.size());
        for (int i = 0; i < vcpus.size(); i++) runners.add(new VcpuRunner(this, vcpus.get(i), i, mmio, unmapped, gate));
        for (int i = 0; i < runners.size(); i++) {
            threads.add(Thread.ofPlatform().name("kvm4j-vcpu-" + vcpus.get(i).id()).daemon(true).start(runners.get(i)));
        }
    }

    /**
     * Stops every vCPU and returns once each is out of KVM_RUN (or the machine has ended), with completed
     * MMIO: registers read now are the guest's real state. Must not be called from a vCPU thread.
     *
     * @throws InterruptedException if interrupted while waiting
     */
    public void pause() throws InterruptedException {
        requireOutsideVcpuThreads("pause");
        gate.request();
        do {
            kickAll();
        } while (!gate.awaitAllOut(KICK_INTERVAL_NANOS));
    }

    /** Lets paused vCPUs run again. */
    public void resume() { gate.resume(); }

    /**
     * For {@link #start()} with every vCPU paused before its first instruction (a debugger that waits):
     * call before {@code start()}, then {@link #pause()} to wait until all are parked.
     */
    public void requestPause() { gate.request(); }

    /**
     * While paused: lets only the vCPU at {@code index} (in the list given to the constructor) run, until it
     * parks again (its {@link DebugHook} wants a stop) or the next {@link #pause()}. A debugger's single step.
     *
     * @param index the vCPU's position in the constructor's list
     */
    public void resumeOnly(int index) {
        Objects.checkIndex(index, vcpus.size());
        gate.exempt(index);
    }

    /**
     * Where KVM_EXIT_DEBUG goes (guest debugging); null: such an exit ends the machine as unexpected.
     *
     * @param hook the hook, or null
     * @return this loop
     */
    public MachineLoop debugHook(DebugHook hook) {
        debugHook = hook;
        return this;
    }

    DebugHook debugHook() { return debugHook; }

    /**
     * Ends the machine with {@link RunEnd.Stopped}, unless it has already ended; returns without waiting.
     *
     * @param reason why, for {@link RunEnd#message()}
     */
    public void stop(String reason) { endWith(new RunEnd.Stopped(reason)); }

    /** {@return the reason, once the machine has ended} */
    public Optional<RunEnd> end() { return Optional.ofNullable(end.get()); }

    /**
     * Waits for the machine to end and for every vCPU thread to leave.
     *
     * @return why it ended
     * @throws InterruptedException if interrupted while waiting
     */
    public RunEnd await() throws InterruptedException {
        ended.await();
        joinAll();
        return end.get();
    }

    /**
     * {@link #await()}, giving up after {@code timeout}.
     *
     * @param timeout how long to wait
     * @return why it ended, or empty if the machine is still running
     * @throws InterruptedException if interrupted while waiting
     */
    public Optional<RunEnd> await(Duration timeout) throws InterruptedException {
        if (!ended.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) return Optional.empty();
        joinAll();
        return Optional.of(end.get());
    }

    /** Stops the machine if it still runs and waits until no vCPU thread is left. */
    @Override
    public void close() {
        stop("the machine loop was closed");
        boolean interrupted = false;
        while (true) {
            try {
                await();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // the vCPUs are about to be closed: never leave a thread in KVM_RUN
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    boolean ended() { return end.get() != null; }

    /** Records the first reason and gets every vCPU out; later reasons are dropped. */
    void endWith(RunEnd reason) {
        if (!end.compareAndSet(null, reason)) return;
        ended.countDown();
        gate.release();
        kickAll();
    }

    private void joinAll() throws InterruptedException {
        requireOutsideVcpuThreads("await");
        for (Thread t : startedThreads()) {
            while (!t.join(Duration.ofNanos(KICK_INTERVAL_NANOS))) kickAll();
        }
    }

    /** Through the runners, which skip the calling vCPU thread itself (see {@link VcpuRunner#kick()}). */
    private void kickAll() {
        for (VcpuRunner r : startedRunners()) r.kick();
    }

    private synchronized List<Thread> startedThreads() { return List.copyOf(threads); }

    private synchronized List<VcpuRunner> startedRunners() { return List.copyOf(runners); }

    private void requireOutsideVcpuThreads(String what) {
        if (startedThreads().contains(Thread.currentThread())) {
            throw new IllegalStateException(what + " from a vCPU thread would wait for itself; call it from another thread");
        }
    }
}
