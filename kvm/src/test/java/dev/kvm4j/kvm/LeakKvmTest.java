package dev.kvm4j.kvm;

import dev.kvm4j.kvm.testing.LeakFigures;
import dev.kvm4j.kvm.testing.RealKvm;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Create/close cycles of /dev/kvm + VM + RAM + vCPU on real KVM leave no fd and no mapping behind. The close
 * order changes every cycle (the user's order must not matter). Prints the figures for the record.
 * <p>
 * What is compared, and why so: see {@link LeakFigures}.
 * {@code KVM4J_LEAK_CYCLES} overrides the count (10,000 on x86; arm64's emulated host runs 1,000 here and
 * the vGIC cycles in the arm module).
 */
@RealKvm
class LeakKvmTest {
    private static final long RAM = 0x10_0000, SIZE = 0x21_3000;

    private static void cycle(int n) {
        Kvm kvm = Kvm.open();
        Vm vm = kvm.createVm();
        GuestMemory ram = GuestMemory.allocate(RAM, SIZE);
        vm.addMemory(0, ram);
        ram.writeLong(RAM, n); // touch a page: the mapping is real
        Vcpu vcpu = vm.createVcpu(0);
        switch (n % 3) {
            case 0 -> { vcpu.close(); vm.close(); ram.close(); kvm.close(); }
            case 1 -> { ram.close(); vm.close(); kvm.close(); vcpu.close(); }
            default -> { kvm.close(); vm.close(); vcpu.close(); ram.close(); }
        }
    }

    @Test
    void createCloseCyclesLeaveFdsAndMappingsAsTheyWere() {
        int cycles = LeakFigures.cycles(10_000, 1_000);
        for (int i = 0; i < Math.min(300, cycles); i++) cycle(i); // warm-up: JIT, class loading, malloc arenas
        LeakFigures before = LeakFigures.now(SIZE);
        try (Kvm kvm = Kvm.open(); Vm vm = kvm.createVm(); GuestMemory ram = GuestMemory.allocate(RAM, SIZE); Vcpu v = vm.createVcpu(0)) {
            LeakFigures one = LeakFigures.now(SIZE); // the figures see a live guest: three fds (kvm, VM, vCPU), one kvm_run, its RAM
            assertEquals(List.of(before.fds() + 3, before.kvmMaps() + 1), List.of(one.fds(), one.kvmMaps()), "fds and kvm_run mappings with one guest alive");
            assertTrue(one.vmSizeKib() - before.vmSizeKib() >= SIZE >> 10, "the virtual size counts the RAM");
        }
        long start = System.nanoTime();
        for (int i = 0; i < cycles; i++) cycle(i);
        double seconds = (System.nanoTime() - start) / 1e9;
        LeakFigures after = LeakFigures.now(SIZE);
        after.report("VM + vCPU + " + (SIZE >> 10) + " KiB RAM", cycles, seconds, before);
        after.assertNoLeakSince(before, cycles);
    }

}
