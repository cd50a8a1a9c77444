package dev.kvm4j.arm.gic;

import dev.kvm4j.kvm.EventFd;
import dev.kvm4j.kvm.IrqFd;
import dev.kvm4j.kvm.VcpuExit;
import dev.kvm4j.kvm.testing.Arm64TestGuest;
import dev.kvm4j.kvm.testing.RealKvm;
import org.junit.jupiter.api.Test;

import java.util.OptionalLong;

import static dev.kvm4j.arm.gic.GicAbi.KVM_DEV_ARM_VGIC_GRP_DIST_REGS;
import static dev.kvm4j.arm.gic.GicTestGuest.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * KVM_IOEVENTFD and KVM_IRQFD on arm64, as virtio-mmio will use them: a guest store to a registered MMIO
 * address signals the eventfd with no MMIO exit; a signalled irqfd on GSI n makes SPI n (INTID 32 + n)
 * pending in the vGIC and reaches the guest's IRQ handler.
 */
@RealKvm(arch = "aarch64")
class EventFdKvmTest {
    private static final int TIMEOUT_SECONDS = 60;
    private static final long NOTIFY = Arm64TestGuest.MMIO_ADDR, AFTER = Arm64TestGuest.MMIO_ADDR + 0x1000;
    private static final int SPI = 7, INTID = 32 + SPI;

    /** STORE_THEN_MMIO: {@code str x1,[x0]; str x3,[x2]; b .}; the first store goes to NOTIFY. */
    private static Arm64TestGuest storeGuest(long value) {
        return new Arm64TestGuest(Arm64TestGuest.STORE_THEN_MMIO).setX(0, NOTIFY).setX(1, value).setX(2, AFTER).setX(3, 0x33);
    }

    @Test
    void aGuestStoreToTheAddressSignalsTheEventFdWithoutAnMmioExit() {
        try (var g = storeGuest(5); var e = EventFd.create(true); var io = g.vm.ioEventFd(e, NOTIFY, 8)) {
            var m = assertInstanceOf(VcpuExit.Mmio.class, g.vcpu.run());
            assertEquals(AFTER, m.address(), "the first exit is the second store: the first stayed in the kernel (" + io + ")");
            assertEquals(1, e.read());
        }
    }

    @Test
    void aDatamatchThatDiffersLetsTheStoreExitAsMmio() {
        try (var g = storeGuest(5); var e = EventFd.create(true); var io = g.vm.ioEventFd(e, NOTIFY, 8, OptionalLong.of(6))) {
            var m = assertInstanceOf(VcpuExit.Mmio.class, g.vcpu.run());
            assertEquals(NOTIFY, m.address(), "5 does not match " + io);
            assertEquals(5, m.data());
            assertEquals(0, e.read());
        }
        try (var g = storeGuest(5); var e = EventFd.create(true); var io = g.vm.ioEventFd(e, NOTIFY, 8, OptionalLong.of(5))) {
            assertEquals(AFTER, assertInstanceOf(VcpuExit.Mmio.class, g.vcpu.run()).address());
            assertEquals(1, e.read());
        }
    }

    @Test
    void anIrqFdOnGsiNMakesSpiNPendingInTheVgic() throws InterruptedException {
        try (var g = new GicTestGuest(GicVersion.AUTO, 1).ready(); var e = EventFd.create(true)) {
            configureEdge(g);
            assertFalse(pending(g), "INTID " + INTID + " is not pending before");
            try (IrqFd irq = g.vm.irqFd(e, SPI)) {
                irq.trigger();
                long deadline = System.nanoTime() + TIMEOUT_SECONDS * 1_000_000_000L;
                while (!pending(g)) {
                    if (System.nanoTime() > deadline) fail("INTID " + INTID + " never became pending (" + g.vgic.version().label() + ")");
                    Thread.sleep(10);
                }
            }
            g.vm.irqFd(e, SPI).close(); // deassigned: the pair can be assigned again
        }
    }

    @Test
    void anIrqFdReachesTheGuestsHandler() {
        try (var g = new GicTestGuest(GicVersion.AUTO, 1).ready(); var e = EventFd.create(true); IrqFd irq = g.vm.irqFd(e, SPI)) {
            configureEdge(g);
            var vcpu = g.vcpu0();
            boolean v3 = g.vgic.version() == GicVersion.V3;
            long word = 4L * (INTID / 32);
            long x8 = v3 ? GICD + 0x80 + word : GICD + 0x800 + INTID;
            g.ram.writeInts(RAM_BASE, IrqGuestCode.image(g.vgic.version()));
            long[] x = {GICD, v3 ? GICR : GICC, READY, REPORT, GICD + 0x100 + word, 1L << (INTID % 32), VECTORS, FAULT, x8};
            for (int i = 0; i < x.length; i++) vcpu.setOneReg(Arm64TestGuest.x(i), x[i]);
            vcpu.setOneReg(Arm64TestGuest.PC, RAM_BASE);
            assertEquals(READY, g.runUntilReport(TIMEOUT_SECONDS).address());
            irq.trigger();
            VcpuExit.Mmio m = g.runUntilReport(TIMEOUT_SECONDS);
            assertEquals(REPORT, m.address());
            assertEquals(INTID, m.data(), "the INTID the handler acknowledged (" + g.vgic.version().label() + ")");
        }
    }

    /**
     * GICD_ICFGR: the SPI edge-triggered, as a virtio-mmio node's device tree says. An irqfd pulses its
     * line (and the kernel's atomic path only raises it): a level-configured SPI would not latch the pulse.
     */
    private static void configureEdge(GicTestGuest g) {
        long icfgr = 0xc00 + 4L * (INTID / 16);
        int value = g.vgic.device().getAttribute32(KVM_DEV_ARM_VGIC_GRP_DIST_REGS, icfgr);
        g.vgic.device().setAttribute(KVM_DEV_ARM_VGIC_GRP_DIST_REGS, icfgr, value | 2L << (2 * (INTID % 16)));
    }

    /** GICD_ISPENDR's bit for the SPI, through the vGIC's attribute interface. */
    private static boolean pending(GicTestGuest g) {
        int word = g.vgic.device().getAttribute32(KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 0x200 + 4L * (INTID / 32));
        return (word & (1 << (INTID % 32))) != 0;
    }
}
