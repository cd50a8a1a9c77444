package dev.kvm4j.kvm;

import dev.kvm4j.kvm.testing.HostGuest;
import dev.kvm4j.kvm.testing.Posix;
import dev.kvm4j.kvm.testing.RealKvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static dev.kvm4j.kvm.testing.HostGuest.value;
import static org.junit.jupiter.api.Assertions.*;

/**
 * A vCPU used from several threads at once on real KVM (either architecture): register calls against a
 * running vCPU, kicks against threads that come and go, close against everything. Each test runs under a
 * preemptive timeout: the failure these guard against is a hang (or a frozen JVM), not a wrong value.
 */
@RealKvm
class VcpuConcurrencyKvmTest {
    private static final Duration LIMIT = Duration.ofSeconds(120);

    /** Runs the vCPU on a thread named {@code vcpu-0} until {@code stop}; kicks end each run. */
    private static Thread runner(Vcpu vcpu, AtomicBoolean stop, AtomicReference<Throwable> failure) {
        return Thread.ofPlatform().name("vcpu-0").start(() -> {
            try {
                while (!stop.get()) vcpu.run();
            } catch (Throwable t) {
                failure.set(t);
            }
        });
    }

    private static void stopAndJoin(Vcpu vcpu, Thread runner, AtomicBoolean stop) throws InterruptedException {
        stop.set(true);
        while (runner.isAlive()) {
            vcpu.kick();
            runner.join(20);
        }
    }

    /** Polls until a register read is refused: from then on the runner holds KVM_RUN. */
    private static VcpuRunningException awaitRefusal(HostGuest g) throws InterruptedException {
        while (true) {
            try {
                g.vcpu.getOneReg(g.regA);
            } catch (VcpuRunningException e) {
                return e;
            } catch (KvmException e) {
                // x86 before 6.18 has no ONE_REG for the MSR: the call got through, so the vCPU was not running yet
            }
            Thread.sleep(1);
        }
    }

    @ParameterizedTest(name = "guest {0}")
    @EnumSource(HostGuest.Kind.class)
    void registerCallsWhileTheVcpuIsInKvmRunAreRefusedAtOnceAndAGcStillCompletes(HostGuest.Kind kind) {
        assertTimeoutPreemptively(LIMIT, () -> {
            try (HostGuest g = HostGuest.create(kind)) {
                AtomicBoolean stop = new AtomicBoolean();
                AtomicReference<Throwable> failure = new AtomicReference<>();
                Thread runner = runner(g.vcpu, stop, failure);
                VcpuRunningException refused = awaitRefusal(g);
                assertTrue(refused.getMessage().contains("vCPU 0 is running (in KVM_RUN on thread 'vcpu-0')"), refused.getMessage());
                assertTrue(refused.getMessage().contains("pause the machine or kick the vCPU"), refused.getMessage());
                assertThrows(VcpuRunningException.class, () -> g.vcpu.setOneReg(g.regB, 1));
                assertThrows(VcpuRunningException.class, g.vcpu::registerList);
                assertThrows(VcpuRunningException.class, () -> g.vcpu.ioctl("KVM_GET_REG_LIST", 0L, 0L));
                var second = assertThrows(VcpuRunningException.class, g.vcpu::run);
                assertTrue(second.getMessage().contains("already running on thread 'vcpu-0'"), second.getMessage());
                // A register call waiting in the kernel inside a critical downcall would hold this GC forever.
                System.gc();
                stopAndJoin(g.vcpu, runner, stop);
                assertNull(failure.get(), () -> "the vCPU thread failed: " + failure.get());
                // Out of KVM_RUN, the same call goes through.
                try {
                    g.vcpu.setOneReg(g.regA, value(1, 2));
                    assertEquals(value(1, 2), g.vcpu.getOneReg(g.regA));
                } catch (KvmException.InvalidArgument noX86OneReg) {
                    // x86 before Linux 6.18: no ONE_REG, but the call reached the kernel, which is the point
                }
            }
        });
    }

    @Test
    void oneRegFromTwoThreadsNeverMixesTheirValues() {
        assertTimeoutPreemptively(LIMIT, () -> {
            try (HostGuest g = HostGuest.create(HostGuest.Kind.SPIN).requireOneReg()) {
                int rounds = 20_000;
                CyclicBarrier start = new CyclicBarrier(2);
                AtomicInteger mixed = new AtomicInteger();
                AtomicReference<String> firstMix = new AtomicReference<>();
                List<Thread> threads = new ArrayList<>();
                long[] regs = {g.regA, g.regB};
                for (int t = 0; t < 2; t++) {
                    int tag = t + 1;
                    long reg = regs[t];
                    threads.add(Thread.ofPlatform().start(() -> {
                        try {
                            start.await();
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                        for (int i = 0; i < rounds; i++) {
                            g.vcpu.setOneReg(reg, value(tag, i));
                            long got = g.vcpu.getOneReg(reg);
                            if (got != value(tag, i) && mixed.getAndIncrement() == 0) {
                                firstMix.set(String.format("thread %d wrote 0x%x to 0x%x and read 0x%x", tag, value(tag, i), reg, got));
                            }
                        }
                    }));
                }
                for (Thread t : threads) t.join();
                assertEquals(0, mixed.get(), firstMix::get);
                assertEquals(value(1, rounds - 1), g.vcpu.getOneReg(g.regA));
                assertEquals(value(2, rounds - 1), g.vcpu.getOneReg(g.regB));
            }
        });
    }

    @Test
    void kicksFromManyThreadsWhileRunnerThreadsComeAndGoAreHarmless() {
        assertTimeoutPreemptively(LIMIT, () -> {
            try (HostGuest g = HostGuest.create(HostGuest.Kind.SPIN)) {
                AtomicBoolean done = new AtomicBoolean();
                AtomicInteger kicks = new AtomicInteger();
                List<Thread> kickers = new ArrayList<>();
                for (int k = 0; k < 4; k++) {
                    kickers.add(Thread.ofPlatform().start(() -> {
                        while (!done.get()) {
                            g.vcpu.kick();
                            kicks.incrementAndGet();
                            // A short pause: four kickers spinning flat out starve the runner threads of an
                            // emulated 2-CPU host; the races still happen, at any of thousands of kicks.
                            java.util.concurrent.locks.LockSupport.parkNanos(20_000);
                        }
                    }));
                }
                int rounds = 200;
                ConcurrentLinkedQueue<String> exits = new ConcurrentLinkedQueue<>();
                for (int r = 0; r < rounds; r++) {
                    // A new thread each round, ending right after its run: a kick aimed at an ended thread is UB.
                    Thread t = Thread.ofPlatform().start(() -> exits.add(g.vcpu.run().toString()));
                    t.join();
                }
                done.set(true);
                for (Thread k : kickers) k.join();
                assertEquals(rounds, exits.size());
                assertTrue(exits.stream().allMatch("INTR"::equals), () -> "every run ends by a kick: " + Set.copyOf(exits));
                assertTrue(kicks.get() >= rounds, "kicks sent: " + kicks.get());
            }
        });
    }

    @Test
    void closeWhileAThreadIsInKvmRunKicksItOutAndReleasesOnlyAfterIt() {
        assertTimeoutPreemptively(LIMIT, () -> {
            try (HostGuest g = HostGuest.create(HostGuest.Kind.WAIT)) {
                AtomicReference<Object> outcome = new AtomicReference<>();
                List<VcpuExit> exits = new ArrayList<>();
                Thread runner = Thread.ofPlatform().name("vcpu-0").start(() -> {
                    try {
                        while (true) exits.add(g.vcpu.run());
                    } catch (Throwable t) {
                        outcome.set(t);
                    }
                });
                awaitRefusal(g);
                long vcpuFds = kvmVcpuFds();
                g.vcpu.close(); // the runner is in KVM_RUN, waiting for an interrupt that never comes
                runner.join();
                assertInstanceOf(ClosedHandleException.class, outcome.get(), () -> "the runner ended with " + outcome.get());
                assertTrue(outcome.get() instanceof ClosedHandleException c && c.getMessage().contains("KVM_RUN on vCPU 0 refused"),
                        () -> String.valueOf(outcome.get()));
                assertInstanceOf(VcpuExit.Interrupted.class, exits.getLast(), "the close's kick ended the last run");
                assertEquals(vcpuFds - 1, kvmVcpuFds(), "the vCPU fd is closed once the runner has left");
                assertThrows(ClosedHandleException.class, g.vcpu::kick);
                assertThrows(ClosedHandleException.class, () -> g.vcpu.getOneReg(g.regA));
                g.vcpu.close();
            }
        });
    }

    @Test
    void closeRacingWithRunsKicksAndRegisterCallsEndsInTypedErrorsOnly() throws Exception {
        // On the test's own thread, each join bounded (an interrupt reached a pooled timeout thread here once).
        {
            Set<Integer> fdsBefore = Posix.openFds();
            ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
            for (int round = 0; round < 40; round++) {
                try (HostGuest g = HostGuest.create(HostGuest.Kind.SPIN)) {
                    CyclicBarrier start = new CyclicBarrier(5);
                    List<Thread> threads = new ArrayList<>();
                    threads.add(user(start, unexpected, () -> g.vcpu.run()));
                    threads.add(user(start, unexpected, g.vcpu::kick));
                    threads.add(user(start, unexpected, g.vcpu::kick));
                    threads.add(user(start, unexpected, () -> {
                        try {
                            g.vcpu.getOneReg(g.regA);
                        } catch (KvmException.InvalidArgument noX86OneReg) {
                            // the call reached the kernel: fine
                        }
                    }));
                    uninterruptibly(start::await);
                    int pause = round % 5;
                    uninterruptibly(() -> Thread.sleep(pause));
                    g.vcpu.close();
                    for (Thread t : threads) {
                        boolean[] ended = new boolean[1];
                        uninterruptibly(() -> ended[0] = t.join(LIMIT));
                        assertTrue(ended[0], "round " + round + ": a user of the closed vCPU is still running");
                    }
                }
            }
            assertTrue(unexpected.isEmpty(), () -> "untyped failures: " + unexpected);
            assertEquals(fdsBefore, Posix.openFds(), "every fd of the 40 guests is closed");
        }
    }

    private interface Blocking { void run() throws Exception; }

    /**
     * Twice in loaded runs (never reproduced on demand) this test's own thread was interrupted by something
     * outside kvm4j (nothing in kvm4j interrupts threads); such an interrupt is reported and the wait repeated,
     * since what this test checks is how the vCPU's users end, not how its driver waits.
     */
    private static void uninterruptibly(Blocking wait) throws Exception {
        while (true) {
            try {
                wait.run();
                return;
            } catch (InterruptedException e) {
                System.out.println("VcpuConcurrencyKvmTest: the test thread was interrupted (stray interrupt), waiting again");
                e.printStackTrace(System.out);
            }
        }
    }

    /** Calls {@code action} until the vCPU is closed; anything but the two typed refusals is unexpected. */
    private static Thread user(CyclicBarrier start, ConcurrentLinkedQueue<Throwable> unexpected, Runnable action) {
        return Thread.ofPlatform().start(() -> {
            try {
                start.await();
                while (true) {
                    try {
                        action.run();
                    } catch (VcpuRunningException e) {
                        // the runner holds KVM_RUN: expected, keep going
                    }
                }
            } catch (ClosedHandleException e) {
                // the end of this user
            } catch (Throwable t) {
                unexpected.add(t);
            }
        });
    }

    @Test
    void aClosedVcpuNeverReachesTheFdNumberAnotherVcpuNowHas() {
        assertTimeoutPreemptively(LIMIT, () -> {
            try (HostGuest first = HostGuest.create(HostGuest.Kind.SPIN).requireOneReg()) {
                Set<Integer> before = Posix.openFds();
                try (HostGuest second = HostGuest.create(HostGuest.Kind.SPIN)) {
                    int firstVcpuFd = vcpuFd(before);
                    first.vcpu.close();
                    assertNull(Posix.fdTarget(firstVcpuFd), "the first vCPU's fd is closed");
                    // New fds take the lowest free numbers: create vCPUs in the second VM until one has the old number.
                    List<Vcpu> created = new ArrayList<>();
                    try {
                        while (Posix.fdTarget(firstVcpuFd) == null && created.size() < 64) created.add(second.vm.createVcpu(created.size() + 1));
                        second.prepare(created.getLast());
                        assertTrue(String.valueOf(Posix.fdTarget(firstVcpuFd)).startsWith("anon_inode:kvm-vcpu"), "the number now belongs to a new vCPU");
                        Vcpu reuser = created.getLast();
                        reuser.setOneReg(second.regA, value(3, 3));
                        assertThrows(ClosedHandleException.class, () -> first.vcpu.setOneReg(first.regA, value(4, 4)));
                        assertThrows(ClosedHandleException.class, () -> first.vcpu.getOneReg(first.regA));
                        assertThrows(ClosedHandleException.class, first.vcpu::registerList);
                        assertThrows(ClosedHandleException.class, () -> first.vcpu.ioctl("KVM_SET_ONE_REG", 0L, 0L));
                        assertThrows(ClosedHandleException.class, first.vcpu::run);
                        assertThrows(ClosedHandleException.class, first.vcpu::kick);
                        assertEquals(value(3, 3), reuser.getOneReg(second.regA), "the new vCPU's register is untouched");
                    } finally {
                        for (Vcpu v : created) v.close();
                    }
                }
            }
        });
    }

    /** The fd of the one vCPU among {@code fds}. */
    private static int vcpuFd(Set<Integer> fds) {
        List<Integer> vcpus = fds.stream().filter(fd -> String.valueOf(Posix.fdTarget(fd)).startsWith("anon_inode:kvm-vcpu")).toList();
        assertEquals(1, vcpus.size(), () -> "vCPU fds: " + vcpus);
        return vcpus.getFirst();
    }

    private static long kvmVcpuFds() {
        return Posix.openFds().stream().filter(fd -> String.valueOf(Posix.fdTarget(fd)).startsWith("anon_inode:kvm-vcpu")).count();
    }
}
