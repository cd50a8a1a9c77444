package dev.kvm4j.vmm.snapshot;

import dev.kvm4j.arm.gic.GicVersion;
import dev.kvm4j.vmm.Layout;
import dev.kvm4j.vmm.MachineConfig;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * The machine a snapshot was taken of: what a restore must build again before any state goes in. The
 * layout addresses travel too, so a kvm4j with another memory map refuses the file instead of restoring a
 * guest whose device tree names devices elsewhere.
 *
 * @param kernel  the kernel file booted (a reboot after restore loads it again), empty if unknown
 * @param initrd  the initrd loaded, empty if none
 * @param append  the kernel command line
 * @param cpus    the vCPU count
 * @param memory  the RAM size in bytes
 * @param gic     the vGIC the machine really had ("auto" resolved)
 * @param aarch32 whether the vCPUs run AArch32 at EL1
 * @param nrIrqs  the vGIC's INTID count
 * @param ramBase the RAM's guest physical base
 * @param gicDistBase the GIC distributor's address
 * @param gicSecondBase the GICv2 CPU interface's or GICv3 redistributors' address
 * @param uartBase the PL011's address
 * @param uartSpi the PL011's SPI number
 */
public record SnapshotConfig(Optional<Path> kernel, Optional<Path> initrd, String append, int cpus, long memory,
                             GicVersion gic, boolean aarch32, int nrIrqs,
                             long ramBase, long gicDistBase, long gicSecondBase, long uartBase, int uartSpi) {
    /**
     * Checks the parts.
     *
     * @throws NullPointerException when {@code kernel}, {@code initrd} or {@code append} is null
     * @throws IllegalArgumentException when {@code gic} is neither v2 nor v3
     */
    public SnapshotConfig {
        Objects.requireNonNull(kernel);
        Objects.requireNonNull(initrd);
        Objects.requireNonNull(append);
        if (gic != GicVersion.V2 && gic != GicVersion.V3) throw new IllegalArgumentException("a machine's GIC is v2 or v3, not " + gic);
    }

    /**
     * The config of a machine built from {@code c} with a vGIC {@code gic} of {@code nrIrqs} INTIDs, at today's layout.
     *
     * @param c the machine's configuration
     * @param gic the vGIC version the machine has (not "auto")
     * @param nrIrqs the vGIC's INTID count
     * @return the snapshot's config
     */
    public static SnapshotConfig of(MachineConfig c, GicVersion gic, int nrIrqs) {
        return new SnapshotConfig(c.kernel(), c.initrd(), c.append(), c.cpus(), c.memory(), gic, c.aarch32(), nrIrqs,
                Layout.RAM_BASE, Layout.GIC_DIST_BASE, secondBase(gic), Layout.UART_BASE, Layout.UART_SPI);
    }

    /**
     * The GICv2 CPU interface or the GICv3 redistributors.
     *
     * @param gic the vGIC version
     * @return that region's address in today's layout
     */
    public static long secondBase(GicVersion gic) {
        return gic == GicVersion.V2 ? Layout.GIC_V2_CPU_BASE : Layout.GIC_V3_REDIST_BASE;
    }

    /**
     * The same layout as this kvm4j's: else the guest's device tree names addresses this machine does not use.
     *
     * @return whether every layout address matches today's
     */
    public boolean hasTodaysLayout() {
        return ramBase == Layout.RAM_BASE && gicDistBase == Layout.GIC_DIST_BASE && gicSecondBase == secondBase(gic)
                && uartBase == Layout.UART_BASE && uartSpi == Layout.UART_SPI;
    }

    /**
     * A MachineConfig for the machine (for a reboot after a restore, which boots the same files again).
     *
     * @return the config the machine was built from, as far as the snapshot records it
     */
    public MachineConfig machineConfig() {
        return MachineConfig.builder().kernel(kernel.orElse(null)).initrd(initrd.orElse(null)).append(append).cpus(cpus)
                .memory(memory).gic(gic).aarch32(aarch32).build();
    }
}
