package dev.kvm4j.vmm.fdt;

import dev.kvm4j.arm.gic.GicVersion;
import dev.kvm4j.vmm.GuestRange;

import dev.kvm4j.vmm.virtio.VirtioMmioNode;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the machine's device tree depends on.
 *
 * @param cpus       the number of CPUs
 * @param memorySize guest RAM in bytes
 * @param gic        the interrupt controller's version
 * @param aarch32    a 32-bit guest (its timer and CPU nodes differ)
 * @param bootargs   the kernel command line (/chosen/bootargs)
 * @param initrd  where the loader put the initrd, if any (goes to /chosen)
 * @param rngSeed bytes for /chosen/rng-seed, so the guest's RNG is seeded at boot instead of waiting
 *                for entropy; empty for reproducible blobs (tests, golden files)
 * @param virtio  the machine's virtio-mmio devices, in slot order
 */
public record FdtOptions(int cpus, long memorySize, GicVersion gic, boolean aarch32, String bootargs,
                         Optional<GuestRange> initrd, Optional<byte[]> rngSeed, List<VirtioMmioNode> virtio) {
    /**
     * Options, checked: CPUs within the GIC's limit, a positive memory size.
     *
     * @throws IllegalArgumentException for a value out of range
     */
    public FdtOptions {
        Objects.requireNonNull(gic);
        Objects.requireNonNull(bootargs);
        Objects.requireNonNull(initrd);
        Objects.requireNonNull(rngSeed);
        virtio = List.copyOf(virtio);
        if (cpus < 1 || cpus > dev.kvm4j.vmm.Layout.maxCpus(gic)) throw new IllegalArgumentException(cpus + " cpus with a " + dev.kvm4j.vmm.Layout.gicName(gic) + " (max " + dev.kvm4j.vmm.Layout.maxCpus(gic) + ")");
        if (memorySize <= 0) throw new IllegalArgumentException("memory size " + memorySize);
    }

    /**
     * Options without initrd, RNG seed or virtio devices.
     *
     * @param cpus the number of CPUs
     * @param memorySize guest RAM in bytes
     * @param gic the interrupt controller's version
     * @param aarch32 a 32-bit guest
     * @param bootargs the kernel command line
     */
    public FdtOptions(int cpus, long memorySize, GicVersion gic, boolean aarch32, String bootargs) {
        this(cpus, memorySize, gic, aarch32, bootargs, Optional.empty(), Optional.empty(), List.of());
    }

    /**
     * Options without virtio devices.
     *
     * @param cpus the number of CPUs
     * @param memorySize guest RAM in bytes
     * @param gic the interrupt controller's version
     * @param aarch32 a 32-bit guest
     * @param bootargs the kernel command line
     * @param initrd where the initrd is, if any
     * @param rngSeed bytes for /chosen/rng-seed, if any
     */
    public FdtOptions(int cpus, long memorySize, GicVersion gic, boolean aarch32, String bootargs,
                      Optional<GuestRange> initrd, Optional<byte[]> rngSeed) {
        this(cpus, memorySize, gic, aarch32, bootargs, initrd, rngSeed, List.of());
    }

    /**
     * These options with virtio-mmio devices.
     *
     * @param nodes the devices, in slot order
     * @return the new options
     */
    public FdtOptions withVirtio(List<VirtioMmioNode> nodes) {
        return new FdtOptions(cpus, memorySize, gic, aarch32, bootargs, initrd, rngSeed, nodes);
    }

    /**
     * These options with an initrd.
     *
     * @param range where the loader put it
     * @return the new options
     */
    public FdtOptions withInitrd(GuestRange range) {
        return new FdtOptions(cpus, memorySize, gic, aarch32, bootargs, Optional.of(range), rngSeed, virtio);
    }

    /**
     * These options with an RNG seed.
     *
     * @param seed the bytes (copied)
     * @return the new options
     */
    public FdtOptions withRngSeed(byte[] seed) {
        return new FdtOptions(cpus, memorySize, gic, aarch32, bootargs, initrd, Optional.of(seed.clone()), virtio);
    }
}
