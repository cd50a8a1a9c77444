package dev.kvm4j.arm.gic;

import org.junit.jupiter.api.Test;

import static dev.kvm4j.arm.gic.GicAbi.*;
import static org.junit.jupiter.api.Assertions.*;

/** KVM_IRQ_LINE encoding and range checks (no kernel: lines are built, never driven). */
class InterruptsTest {
    private final Interrupts interrupts = new Interrupts(null, 96, 2);

    @Test
    void spiNIsIntid32PlusNWithTypeSpiAndNoVcpu() {
        IrqLine line = interrupts.spiLine(5);
        assertEquals(37, line.intid());
        assertEquals(0x0100_0025, line.kvmIrq());
        assertEquals("SPI 5 (INTID 37)", line.toString());
    }

    @Test
    void ppiCarriesItsVcpu() {
        assertEquals(0x0201_0014, interrupts.ppiLine(1, 20).kvmIrq());
    }

    @Test
    void vcpusFrom256SpillIntoTheVcpu2Field() {
        assertEquals(1 << KVM_ARM_IRQ_VCPU2_SHIFT | KVM_ARM_IRQ_TYPE_PPI << KVM_ARM_IRQ_TYPE_SHIFT | 4 << KVM_ARM_IRQ_VCPU_SHIFT | 27,
                Interrupts.encode(KVM_ARM_IRQ_TYPE_PPI, 260, 27));
        assertThrows(IllegalArgumentException.class, () -> Interrupts.encode(KVM_ARM_IRQ_TYPE_PPI, 4096, 27));
    }

    @Test
    void outOfRangeNumbersAreRefusedWithTheValidRange() {
        var spi = assertThrows(IllegalArgumentException.class, () -> interrupts.spiLine(64));
        assertEquals("SPI 64 does not exist: this vGIC has SPIs 0..63 (INTIDs 32..95)", spi.getMessage());
        assertThrows(IllegalArgumentException.class, () -> interrupts.spiLine(-1));
        var ppi = assertThrows(IllegalArgumentException.class, () -> interrupts.ppiLine(0, 15));
        assertTrue(ppi.getMessage().contains("PPIs are INTIDs 16..31"), ppi.getMessage());
        var cpu = assertThrows(IllegalArgumentException.class, () -> interrupts.ppiLine(2, 20));
        assertTrue(cpu.getMessage().contains("vCPUs 0..1"), cpu.getMessage());
    }
}
