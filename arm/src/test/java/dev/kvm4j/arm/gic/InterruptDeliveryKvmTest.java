package dev.kvm4j.arm.gic;

import dev.kvm4j.kvm.VcpuExit;
import dev.kvm4j.kvm.testing.Arm64TestGuest;
import dev.kvm4j.kvm.testing.RealKvm;
import org.junit.jupiter.api.Test;

import static dev.kvm4j.arm.gic.GicTestGuest.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Interrupts injected through KVM_IRQ_LINE reach a guest's IRQ handler through the vGIC the host offers
 * (v2 on gic-version=2 hosts, v3 on gic-version=3 hosts): the guest programs its GIC as a kernel would,
 * waits in WFI, and reports the INTID its handler acknowledged.
 */
@RealKvm(arch = "aarch64")
class InterruptDeliveryKvmTest {
    private static final int TIMEOUT_SECONDS = 60;

    /** Loads the guest for the vGIC's version, enabling the interrupt whose enable/group/target words are given. */
    private static void load(GicTestGuest g, long isenabler, int bit, long x8) {
        var vcpu = g.vcpu0();
        g.ram.writeInts(RAM_BASE, IrqGuestCode.image(g.vgic.version()));
        long[] x = {GICD, g.vgic.version() == GicVersion.V3 ? GICR : GICC, READY, REPORT, isenabler, bit, VECTORS, FAULT, x8};
        for (int i = 0; i < x.length; i++) vcpu.setOneReg(Arm64TestGuest.x(i), x[i]);
        vcpu.setOneReg(Arm64TestGuest.PC, RAM_BASE);
    }

    private static void expectReady(GicTestGuest g) {
        VcpuExit.Mmio m = g.runUntilReport(TIMEOUT_SECONDS);
        assertEquals(READY, m.address(), "the guest reports ready before any interrupt");
    }

    private static int expectIntid(GicTestGuest g) {
        VcpuExit.Mmio m = g.runUntilReport(TIMEOUT_SECONDS);
        assertEquals(REPORT, m.address(), "expected the IRQ handler's report");
        return (int) m.data();
    }

    @Test
    void anSpiIsTakenByTheGuestsHandlerAndCanBeTakenAgainAfterEoi() {
        try (var g = new GicTestGuest(GicVersion.AUTO, 1).ready()) {
            IrqLine line = g.vgic.interrupts().spiLine(5);
            int intid = line.intid();
            assertEquals(37, intid);
            long word = 4L * (intid / 32);
            int bit = 1 << (intid % 32);
            // v3: the IGROUPR word (group 1); v2: the ITARGETSR byte (CPU interface 0).
            long x8 = g.vgic.version() == GicVersion.V3 ? GICD + 0x80 + word : GICD + 0x800 + intid;
            load(g, GICD + 0x100 + word, bit, x8);
            expectReady(g);

            line.raise();
            assertEquals(intid, expectIntid(g), "INTID acknowledged by the guest's handler (" + g.vgic.version().label() + ")");
            // Still inside the handler, before its EOI: lower, then raise again. The second report can only
            // come once the EOI has deactivated the first.
            line.lower();
            line.raise();
            assertEquals(intid, expectIntid(g), "the SPI again, after the guest's EOI");
            line.lower();
        }
    }

    @Test
    void aPpiOfVcpu0IsTakenByItsHandler() {
        try (var g = new GicTestGuest(GicVersion.AUTO, 2).ready()) {
            int intid = 20; // no in-kernel owner (timers use 26..30, the PMU only when asked for)
            IrqLine line = g.vgic.interrupts().ppiLine(0, intid);
            boolean v3 = g.vgic.version() == GicVersion.V3;
            // PPIs are enabled in vCPU 0's redistributor SGI frame (v3) or the banked GICD_ISENABLER0 (v2).
            long isenabler = v3 ? GICR + 0x10000 + 0x100 : GICD + 0x100;
            long x8 = v3 ? GICR + 0x10000 + 0x80 : 0;
            load(g, isenabler, 1 << intid, x8);
            expectReady(g);

            line.raise();
            assertEquals(intid, expectIntid(g), "PPI acknowledged by vCPU 0's handler (" + g.vgic.version().label() + ")");
            line.lower();
        }
    }
}
