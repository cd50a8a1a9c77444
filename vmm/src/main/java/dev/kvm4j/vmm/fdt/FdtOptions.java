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
 * @param initrd  where the loader put the initrd, if any (goes to /chosen)
 * @param rngSeed bytes for /chosen/rng-seed, so the guest's RNG is seeded at boot instead of waiting
 *                for entropy; empty for reproducible blobs (tests, golden files)
 * @param virtio  the machine's virtio-mmio devices, in slot order
 */
public record FdtOptions(int cpus, long memorySize, GicVersion gic, boolean aarch32, String bootargs,
                         Optional<GuestRange> initrd, Optional<byte[]> rngSeed, List<VirtioMmioNode> virtio) {
    public FdtOptions {
        Objects.requireNonNull(gic);
        Objects.requireNonNull(bootargs);
        Objects.requireNonNull(initrd);
        Objects.requireNonNull(rngSeed);
        virtio = List.copyOf(virtio);
        if (cpus < 1 || cpus > dev.kvm4j.vmm.Layout.maxCpus(gic)) throw new IllegalArgumentException(cpus + " cpus with a " + dev.kvm4j.vmm.Layout.gicName(gic) + " (max " + dev.kvm4j.vmm.Layout.maxCpus(gic) + ")");
        if (memorySize <= 0) throw new IllegalArgumentException("memory size " + memorySize);
    }

    public FdtOptions(int cpus, long memorySize, GicVersion gic, boolean aarch32, String bootargs) {
        this(cpus, memorySize, gic, aarch32, bootargs, Optional.empty(), Optional.empty(), List.of());
    }

    public FdtOptions(int cpus, long memorySize, GicVersion gic, boolean aarch32, String bootargs,
                      Optional<GuestRange> initrd, Optional<byte[]> rngSeed) {
        this(cpus, memorySize, gic, aarch32, bootargs, initrd, rngSeed, List.of());
    }

    public FdtOptions withVirtio(List<VirtioMmioNode> nodes) {
        return new FdtOptions(cpus, memorySize, gic, aarch32, bootargs, initrd, rngSeed, nodes);
    }

    public FdtOptions withInitrd(GuestRange range) {
        return new FdtOptions(cpus, memorySize, gic, aarch32, bootargs, Optional.of(range), rngSeed, virtio);
    }

    public FdtOptions withRngSeed(byte[] seed) {
        return new FdtOptions(cpus, memorySize, gic, aarch32, bootargs, initrd, Optional.of(seed.clone()), virtio);
    }
}
