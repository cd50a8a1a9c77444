package dev.kvm4j.vmm;

import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.kvm4j.vmm.Layout.*;
import static org.junit.jupiter.api.Assertions.*;

class LayoutTest {
    private static List<GuestRange> mmio(int cpus) {
        return List.of(new GuestRange(GIC_DIST_BASE, GIC_V3_DIST_SIZE), new GuestRange(GIC_V2_CPU_BASE, GIC_V2_CPU_SIZE),
                new GuestRange(GIC_V3_REDIST_BASE, gicV3RedistSize(cpus)), new GuestRange(UART_BASE, UART_SIZE));
    }

    @Test
    void mmioRegionsDoNotOverlapEvenWithTheMostCpusAndStayBelowRam() {
        List<GuestRange> regions = mmio(GIC_V3_MAX_CPUS);
        for (int i = 0; i < regions.size(); i++) {
            assertTrue(regions.get(i).end() <= RAM_BASE, regions.get(i) + " reaches RAM");
            assertEquals(0, regions.get(i).start() % PAGE_SIZE, "KVM maps regions by page");
            for (int j = i + 1; j < regions.size(); j++) {
                assertFalse(regions.get(i).overlaps(regions.get(j)), regions.get(i) + " vs " + regions.get(j));
            }
        }
        assertEquals(123, GIC_V3_MAX_CPUS);
        assertEquals(GIC_V3_REDIST_LIMIT, GIC_V3_REDIST_BASE + gicV3RedistSize(GIC_V3_MAX_CPUS));
    }

    @Test
    void virtCompatibleAddresses() {
        assertEquals(0x0900_0000L, UART_BASE);
        assertEquals(33, UART_INTID);
        assertEquals(0x4000_0000L, RAM_BASE);
        assertEquals(0, RAM_BASE % ARM64_KERNEL_ALIGN);
    }

    @Test
    void mpidrPacksSixteenCpusPerCluster() {
        assertEquals(0x0, mpidr(0));
        assertEquals(0xf, mpidr(15));
        assertEquals(0x100, mpidr(16));
        assertEquals(0x702, mpidr(7 * 16 + 2));
    }

    @Test
    void thirtyTwoBitGuestsKeepRamBelow4GiB() {
        assertEquals(1L << 32, ramEndLimit(true));
        assertTrue(ramEndLimit(false) > ramEndLimit(true));
    }
}
