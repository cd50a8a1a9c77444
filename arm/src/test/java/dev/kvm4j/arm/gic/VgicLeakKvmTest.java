package dev.kvm4j.arm.gic;

import dev.kvm4j.kvm.GuestMemory;
import dev.kvm4j.kvm.Kvm;
import dev.kvm4j.kvm.Vcpu;
import dev.kvm4j.kvm.Vm;
import dev.kvm4j.kvm.testing.Allocations;
import dev.kvm4j.kvm.testing.Arm64TestGuest;
import dev.kvm4j.kvm.testing.LeakFigures;
import dev.kvm4j.kvm.testing.RealKvm;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.kvm4j.arm.gic.GicTestGuest.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Create/close cycles of a whole interrupt-capable machine (VM + RAM + initialised vCPU + initialised vGIC)
 * leave no fd and no mapping behind, whatever the close order; and driving a line allocates nothing.
 * {@code KVM4J_LEAK_CYCLES} overrides the count (2,000 by default: about 20 s in the emulated arm64 host). Prints the figures for the record.
 */
@RealKvm(arch = "aarch64")
class VgicLeakKvmTest {
    private static final long SIZE = 0x21_3000;

    private static void cycle(int n) {
        Kvm kvm = Kvm.open();
        Vm vm = kvm.createVm();
        GuestMemory ram = GuestMemory.allocate(RAM_BASE, SIZE);
        vm.addMemory(0, ram);
        Vgic vgic = Vgic.create(vm, GicVersion.AUTO);
        Vcpu vcpu = vm.createVcpu(0);
        Arm64TestGuest.init(vm, vcpu);
        GicLayout layout = GicLayout.of(vgic.version(), GICD, vgic.version() == GicVersion.V3 ? GICR : GICC, 1);
        vgic.setAddresses(layout, List.of(new AddressRange("RAM", RAM_BASE, SIZE)));
        vgic.initialise(96, List.of(vcpu));
        vgic.interrupts().spi(n % 64, true);
        switch (n % 3) {
            case 0 -> { vgic.close(); vcpu.close(); vm.close(); ram.close(); kvm.close(); }
            case 1 -> { ram.close(); vm.close(); kvm.close(); vcpu.close(); vgic.close(); }
            default -> { kvm.close(); vm.close(); vgic.close(); ram.close(); vcpu.close(); }
        }
    }

    @Test
    void createCloseCyclesWithAVgicLeaveFdsAndMappingsAsTheyWere() {
        int cycles = LeakFigures.cycles(10_000, 2_000); // ~9 ms a cycle in the emulated host
        for (int i = 0; i < Math.min(100, cycles); i++) cycle(i); // warm-up
        LeakFigures before = LeakFigures.now(SIZE);
        long start = System.nanoTime();
        for (int i = 0; i < cycles; i++) cycle(i);
        double seconds = (System.nanoTime() - start) / 1e9;
        LeakFigures after = LeakFigures.now(SIZE);
        after.report("VM + vCPU + vGIC + " + (SIZE >> 10) + " KiB RAM", cycles, seconds, before);
        after.assertNoLeakSince(before, cycles);
    }

    @Test
    void drivingAnSpiAllocatesNothing() {
        try (var g = new GicTestGuest(GicVersion.AUTO, 1).ready()) {
            Interrupts irqs = g.vgic.interrupts();
            int calls = 50_000;
            for (int i = 0; i < calls; i++) irqs.spi(5, (i & 1) == 0); // warm-up: JIT
            long before = Allocations.currentThread();
            for (int i = 0; i < calls; i++) irqs.spi(5, (i & 1) == 0);
            long bytes = Allocations.currentThread() - before;
            assertTrue(bytes < calls, bytes + " bytes allocated by " + calls + " SPI level changes");
        }
    }
}
