package dev.kvm4j.vmm.fdt;

import dev.kvm4j.arm.gic.GicVersion;
import dev.kvm4j.vmm.Layout;

import static dev.kvm4j.vmm.Layout.*;

/**
 * The kvm4j machine's device tree: what Linux needs to find RAM, CPUs, PSCI, the timer, the GIC and the
 * UART. Node names and properties follow QEMU's virt board, which every arm Linux kernel knows.
 */
public final class MachineFdt {
    private MachineFdt() {}

    /** Phandles other nodes refer to. */
    static final int GIC_PHANDLE = 1;
    static final int CLOCK_PHANDLE = 2;

    /** Interrupt specifier cells (binding arm,gic): type, number, flags. */
    private static final int GIC_SPI = 0, GIC_PPI = 1;
    private static final int IRQ_TYPE_LEVEL_HIGH = 4;

    /** The UART's node name, as {@code stdout-path} refers to it. */
    public static final String UART_NODE = "pl011@" + Long.toHexString(UART_BASE);

    /**
     * The machine's device tree.
     *
     * @param o what it depends on
     * @return the DTB blob
     */
    public static byte[] build(FdtOptions o) {
        FdtWriter w = new FdtWriter();
        w.beginNode("");
        w.propertyStrings("compatible", "linux,dummy-virt");
        w.propertyStrings("model", "kvm4j virt");
        w.propertyU32("#address-cells", 2);
        w.propertyU32("#size-cells", 2);
        w.propertyU32("interrupt-parent", GIC_PHANDLE);
        chosen(w, o);
        memory(w, o);
        cpus(w, o);
        psci(w);
        timer(w, o);
        gic(w, o);
        clock(w);
        uart(w);
        // Linux numbers virtio disks in probe order, which follows the tree's order: slot 0 is vda.
        o.virtio().forEach(node -> node.writeTo(w));
        w.endNode();
        return w.finish();
    }

    private static void chosen(FdtWriter w, FdtOptions o) {
        w.beginNode("chosen");
        w.propertyStrings("bootargs", o.bootargs());
        w.propertyStrings("stdout-path", "/" + UART_NODE);
        o.initrd().ifPresent(r -> {
            w.propertyU64("linux,initrd-start", r.start());
            w.propertyU64("linux,initrd-end", r.end());
        });
        o.rngSeed().ifPresent(seed -> w.property("rng-seed", seed));
        w.endNode();
    }

    private static void memory(FdtWriter w, FdtOptions o) {
        w.beginNode("memory@" + Long.toHexString(RAM_BASE));
        w.propertyStrings("device_type", "memory");
        w.propertyU64s("reg", RAM_BASE, o.memorySize());
        w.endNode();
    }

    /** Secondary CPUs start powered off; Linux brings them up with PSCI CPU_ON by their MPIDR ({@code reg}). */
    private static void cpus(FdtWriter w, FdtOptions o) {
        w.beginNode("cpus");
        w.propertyU32("#address-cells", 1);
        w.propertyU32("#size-cells", 0);
        for (int i = 0; i < o.cpus(); i++) {
            long mpidr = Layout.mpidr(i);
            w.beginNode("cpu@" + Long.toHexString(mpidr));
            w.propertyStrings("device_type", "cpu");
            // The binding's name for a CPU a model (here: KVM) does not identify further; QEMU's "arm,arm-v8" is not in it.
            w.propertyStrings("compatible", "arm,armv8");
            w.propertyStrings("enable-method", "psci");
            w.propertyU32("reg", (int) mpidr);
            w.endNode();
        }
        w.endNode();
    }

    /** KVM implements PSCI in the kernel, reached from EL1 with HVC. */
    private static void psci(FdtWriter w) {
        w.beginNode("psci");
        w.propertyStrings("compatible", "arm,psci-0.2");
        w.propertyStrings("method", "hvc");
        w.endNode();
    }

    /**
     * Secure, non-secure, virtual and hypervisor timer PPIs. A 32-bit kernel matches either compatible,
     * but "arm,armv7-timer" is what 32-bit device trees carry, so AArch32 guests get it as a fallback.
     */
    private static void timer(FdtWriter w, FdtOptions o) {
        w.beginNode("timer");
        if (o.aarch32()) w.propertyStrings("compatible", "arm,armv8-timer", "arm,armv7-timer");
        else w.propertyStrings("compatible", "arm,armv8-timer");
        int flags = ppiFlags(o);
        w.propertyCells("interrupts",
                GIC_PPI, TIMER_PPI_SECURE_PHYS, flags,
                GIC_PPI, TIMER_PPI_NONSECURE_PHYS, flags,
                GIC_PPI, TIMER_PPI_VIRT, flags,
                GIC_PPI, TIMER_PPI_HYP, flags);
        w.property("always-on");
        w.endNode();
    }

    /** GICv2 PPI specifiers carry a mask of the CPUs they go to in bits 8..15; GICv3 has none. */
    private static int ppiFlags(FdtOptions o) {
        int flags = IRQ_TYPE_LEVEL_HIGH;
        if (o.gic() == GicVersion.V2) flags |= ((1 << o.cpus()) - 1) << 8;
        return flags;
    }

    private static void gic(FdtWriter w, FdtOptions o) {
        w.beginNode("intc@" + Long.toHexString(GIC_DIST_BASE));
        if (o.gic() == GicVersion.V3) {
            w.propertyStrings("compatible", "arm,gic-v3");
            w.propertyU64s("reg", GIC_DIST_BASE, GIC_V3_DIST_SIZE, GIC_V3_REDIST_BASE, gicV3RedistSize(o.cpus()));
        } else {
            w.propertyStrings("compatible", "arm,cortex-a15-gic");
            w.propertyU64s("reg", GIC_DIST_BASE, GIC_V2_DIST_SIZE, GIC_V2_CPU_BASE, GIC_V2_CPU_SIZE);
        }
        w.propertyU32("#interrupt-cells", 3);
        // Interrupt specifiers carry no address (no interrupt-map, no ITS child): dtc asks to say so.
        w.propertyU32("#address-cells", 0);
        w.property("interrupt-controller");
        w.propertyU32("phandle", GIC_PHANDLE);
        w.endNode();
    }

    /** The PL011's reference clock; the amba bus also wants an "apb_pclk", the same clock here. */
    private static void clock(FdtWriter w) {
        w.beginNode("apb-pclk");
        w.propertyStrings("compatible", "fixed-clock");
        w.propertyU32("#clock-cells", 0);
        w.propertyU32("clock-frequency", UART_CLOCK_HZ);
        w.propertyStrings("clock-output-names", "clk24mhz");
        w.propertyU32("phandle", CLOCK_PHANDLE);
        w.endNode();
    }

    private static void uart(FdtWriter w) {
        w.beginNode(UART_NODE);
        w.propertyStrings("compatible", "arm,pl011", "arm,primecell");
        w.propertyU64s("reg", UART_BASE, UART_SIZE);
        w.propertyCells("interrupts", GIC_SPI, UART_SPI, IRQ_TYPE_LEVEL_HIGH);
        w.propertyCells("clocks", CLOCK_PHANDLE, CLOCK_PHANDLE);
        w.propertyStrings("clock-names", "uartclk", "apb_pclk");
        w.endNode();
    }
}
