package dev.kvm4j.vmm.fdt;

import dev.kvm4j.arm.gic.GicVersion;
import dev.kvm4j.vmm.Layout;
import dev.kvm4j.vmm.virtio.VirtioMmioNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The machine's tree with virtio-mmio devices: one node per slot, at the layout's addresses and SPIs, edge-rising, dtc-clean. */
class VirtioFdtTest {
    private static List<VirtioMmioNode> slots(int n) {
        List<VirtioMmioNode> nodes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            nodes.add(new VirtioMmioNode(Layout.virtioSlot(i).start(), Layout.virtioSlot(i).size(), Layout.virtioSpi(i)));
        }
        return nodes;
    }

    @Test
    void threeDevicesAreThreeNodesAtTheirSlotsWithEdgeSpis() throws Exception {
        Dtc.assumeInstalled();
        FdtOptions o = new FdtOptions(1, 256 * Layout.MIB, GicVersion.V3, false, "console=ttyAMA0").withVirtio(slots(3));
        Dtc.Result r = Dtc.decompile(MachineFdt.build(o));
        assertEquals("", r.warnings(), "dtc complained");
        String dts = r.dts();
        assertTrue(dts.contains("virtio_mmio@a000000 {"), dts);
        assertTrue(dts.contains("virtio_mmio@a000200 {"), dts);
        assertTrue(dts.contains("virtio_mmio@a000400 {"), dts);
        assertFalse(dts.contains("virtio_mmio@a000600"), dts);
        assertTrue(dts.contains("reg = <0x00 0xa000400 0x00 0x200>;"), dts);
        // SPI 16 + slot, flags 1 = IRQ_TYPE_EDGE_RISING: an irqfd injects edges
        assertTrue(dts.contains("interrupts = <0x00 0x10 0x01>;"), dts);
        assertTrue(dts.contains("interrupts = <0x00 0x12 0x01>;"), dts);
        assertTrue(dts.contains("compatible = \"virtio,mmio\";"), dts);
        assertTrue(dts.contains("dma-coherent;"), dts);
        // slot 0 comes first: Linux probes in tree order, so the first --disk is vda
        assertTrue(dts.indexOf("virtio_mmio@a000000") < dts.indexOf("virtio_mmio@a000200"), dts);
    }

    @Test
    void aTreeWithoutDevicesHasNoVirtioNode() {
        byte[] plain = MachineFdt.build(new FdtOptions(1, 256 * Layout.MIB, GicVersion.V3, false, "x"));
        byte[] empty = MachineFdt.build(new FdtOptions(1, 256 * Layout.MIB, GicVersion.V3, false, "x").withVirtio(List.of()));
        assertArrayEquals(plain, empty);
    }

    @Test
    void theWindowFitsBetweenUartAndRamAndTheSpisInTheVgic() {
        GuestRangeCheck.check();
    }

    /** Kept apart so the numbers are in one place. */
    static final class GuestRangeCheck {
        static void check() {
            var first = Layout.virtioSlot(0);
            var last = Layout.virtioSlot(Layout.VIRTIO_MMIO_SLOTS - 1);
            assertTrue(first.start() >= Layout.UART_BASE + Layout.UART_SIZE);
            assertTrue(last.end() <= Layout.RAM_BASE);
            assertTrue(Layout.virtioSpi(0) > Layout.UART_SPI);
            // the machine's vGIC has 64 SPIs (NR_IRQS = 64 + 32 private)
            assertTrue(Layout.virtioSpi(Layout.VIRTIO_MMIO_SLOTS - 1) < 64);
            assertThrows(dev.kvm4j.vmm.ConfigException.class, () -> Layout.virtioSlot(Layout.VIRTIO_MMIO_SLOTS));
        }
    }
}
