package dev.kvm4j.arm.run;

import dev.kvm4j.arm.regs.CoreRegister;
import dev.kvm4j.kvm.testing.RealKvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static dev.kvm4j.arm.run.RunGuest.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Pausing, resuming and stopping from another thread while guests spin. Reading a register blocks while its
 * vCPU is inside KVM_RUN (KVM holds the vCPU's mutex there), so a read that returns proves the vCPU is out;
 * a separate timeout thread turns a hang into a failure.
 */
@RealKvm(arch = "aarch64")
@Timeout(value = 5, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PauseResumeKvmTest {
    /** Counts in x1 without ever leaving the guest. */
    private static final int[] SPIN = {
            0x91000421, // 1: add x1, x1, #1
            0x17ffffff, //    b   1b
    };

    /** x2 = device base: a load, and so an MMIO exit, per iteration. */
    private static final int[] MMIO_LOAD_LOOP = {
            0xf9400041, // 1: ldr x1, [x2]
            0x17ffffff, //    b   1b
    };

    @Test
    void pauseGetsEveryVcpuOutOfKvmRunIncludingOneHeldOffByPsciAndResumeLetsTheGuestGoOn() throws Exception {
        try (RunGuest g = RunGuest.create(2)) {
            g.load(CODE, SPIN).x(1, 0);
            try (MachineLoop loop = g.loop(UnmappedPolicy.STOP)) {
                loop.start();
                Thread.sleep(300);

                loop.pause();
                long first = g.x(1);
                g.get(1, CoreRegister.PC); // vCPU 1 never got CPU_ON: its thread slept inside KVM_RUN
                assertTrue(first > 0, "the guest ran before the pause");
                Thread.sleep(200);
                assertEquals(first, g.x(1), "a paused guest does not run");

                loop.resume();
                Thread.sleep(300);
                loop.pause();
                long second = g.x(1);
                assertTrue(second > first, "the guest ran again after resume: " + first + " then " + second);

                loop.resume();
                loop.stop("the test is over");
                assertEquals(new RunEnd.Stopped("the test is over"), loop.await());
            }
        }
    }

    @Test
    void pauseCompletesAnMmioLoadSoTheRegistersReadAreTheGuestsRealState() throws Exception {
        AtomicLong served = new AtomicLong();
        MmioHandler counter = new MmioHandler() {
            @Override public long read(long offset, int size) { return served.incrementAndGet(); }

            @Override public void write(long offset, int size, long value) { }
        };
        try (RunGuest g = RunGuest.create(1)) {
            g.load(CODE, MMIO_LOAD_LOOP).device(DEVICE, counter).x(2, DEVICE);
            try (MachineLoop loop = g.loop(UnmappedPolicy.STOP)) {
                loop.start();
                for (int i = 0; i < 5; i++) {
                    Thread.sleep(100);
                    loop.pause();
                    // KVM writes a load's value to x1 only when the vCPU enters KVM_RUN again: pause must have done that.
                    assertEquals(served.get(), g.x(1), "pause " + i);
                    loop.resume();
                }
                assertTrue(served.get() > 0, "the guest made MMIO loads");
            }
        }
    }

    @Test
    void stopEndsASpinningGuestAndAVcpuHeldOffByPsciAndNoVcpuThreadIsLeft() throws Exception {
        try (RunGuest g = RunGuest.create(2)) {
            g.load(CODE, SPIN);
            MachineLoop loop = g.loop(UnmappedPolicy.STOP);
            loop.start();
            Thread.sleep(200);
            assertTrue(loop.end().isEmpty());
            loop.stop("enough");
            assertEquals(new RunEnd.Stopped("enough"), loop.await(Duration.ofMinutes(1)).orElseThrow());
            assertTrue(Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().startsWith("kvm4j-vcpu-") && t.isAlive()),
                    "a vCPU thread outlived await()");
        }
    }
}
