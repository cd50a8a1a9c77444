package dev.kvm4j.kvm;

import dev.kvm4j.kvm.testing.LeakFigures;
import dev.kvm4j.kvm.testing.RealKvm;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Create/close cycles of /dev/kvm + VM + RAM + vCPU on real KVM leave no fd and no mapping behind. The close
 * order changes every cycle (the user's order must not matter). Prints the figures for the record.
 * <p>
 * The fd count must be equal. The maps are counted twice: kvm4j's own kinds of mapping (every {@code kvm_run}
 * is named {@code anon_inode:kvm-vcpu}, every RAM area is anonymous and {@link #SIZE} long) must be equal; the
 * whole count may move by {@link LeakFigures#JVM_MAPS_SLACK} lines, which the JVM's own threads and heap account for,
 * while a leak of one mapping in any close order would add thousands.
 * {@code KVM4J_LEAK_CYCLES} overrides the count (10,000 on x86; arm64's emulated host runs 1,000 here and
 * the vGIC cycles in the arm module).
 */
@RealKvm
class LeakKvmTest {
    /** An odd size (2 MiB + 12 KiB), so that a leaked RAM mapping can be told from the JVM's own. */
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
            LeakFigures one = LeakFigures.now(SIZE); // the figures see a live guest: one kvm_run, one RAM, three fds (kvm, VM, vCPU)
            assertEquals(List.of(before.fds() + 3, before.kvmMaps() + 1, before.ramMaps() + 1),
                    List.of(one.fds(), one.kvmMaps(), one.ramMaps()), "fds, kvm_run and RAM mappings with one guest alive");
        }
        long start = System.nanoTime();
        for (int i = 0; i < cycles; i++) cycle(i);
        double seconds = (System.nanoTime() - start) / 1e9;
        LeakFigures after = LeakFigures.now(SIZE);
        after.report("VM + vCPU + " + (SIZE >> 10) + " KiB RAM", cycles, seconds, before);
        after.assertNoLeakSince(before, cycles);
    }

}
