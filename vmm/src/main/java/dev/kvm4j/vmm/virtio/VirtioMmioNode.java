package dev.kvm4j.vmm.virtio;

import dev.kvm4j.vmm.fdt.FdtWriter;

/**
 * Where a virtio-mmio device sits, for its device-tree node: register window {@code base}/{@code size} and
 * the SPI number (GSI = SPI, INTID 32 + spi), declared edge-rising, as kvmtool and Firecracker do.
 *
 * @param base the register window's guest physical address
 * @param size the window's size, at least {@link VirtioMmio#REGION_SIZE}
 * @param spi the SPI number, 0 to 987
 */
public record VirtioMmioNode(long base, long size, int spi) {
    static final int GIC_SPI = 0, IRQ_TYPE_EDGE_RISING = 1;

    /**
     * Checks the SPI and the window size.
     *
     * @throws IllegalArgumentException when {@code spi} is outside 0 to 987 or {@code size} is too small
     */
    public VirtioMmioNode {
        if (spi < 0 || spi > 987) throw new IllegalArgumentException("SPI " + spi + " is outside 0-987");
        if (size < VirtioMmio.REGION_SIZE) throw new IllegalArgumentException("a virtio-mmio window needs 0x200 bytes");
    }

    /**
     * The node's name.
     *
     * @return {@code virtio_mmio@BASE}, base in hex
     */
    public String nodeName() { return String.format("virtio_mmio@%x", base); }

    /**
     * The {@code interrupts} cells for a GIC parent with #interrupt-cells = 3.
     *
     * @return SPI type, SPI number, edge-rising
     */
    public int[] interruptCells() { return new int[]{GIC_SPI, spi, IRQ_TYPE_EDGE_RISING}; }

    /**
     * Writes the node (#address-cells = #size-cells = 2 in the parent): compatible, reg, interrupts, dma-coherent.
     *
     * @param fdt the writer, inside the node's parent
     * @return {@code fdt}, for chaining
     */
    public FdtWriter writeTo(FdtWriter fdt) {
        return fdt.beginNode(nodeName())
                .propertyStrings("compatible", "virtio,mmio")
                .propertyU64s("reg", base, size)
                .propertyCells("interrupts", interruptCells())
                .property("dma-coherent")
                .endNode();
    }
}
