package dev.kvm4j.arm.gic;

import java.util.List;

import static dev.kvm4j.arm.gic.GicAbi.*;

/**
 * Where the vGIC's frames sit in the guest's physical address space, once the machine's memory map is
 * final. The frame sizes are the kernel's; a v3 layout sizes its redistributor region by vCPU count, since
 * the kernel places vCPU n's redistributor at {@code redistributors + n * 128 KiB}.
 */
public sealed interface GicLayout {
    /** {@return the GIC version the frames are for} */
    GicVersion version();

    /** {@return the guest physical address of the distributor} */
    long distributorBase();

    /** {@return the frames with their names and sizes, in the order {@link Vgic} registers them} */
    List<Frame> frames();

    /**
     * One frame: the GRP_ADDR attribute it is set through and the range it occupies.
     *
     * @param addressType the {@code KVM_VGIC_*_ADDR_TYPE_*} attribute
     * @param alignment the alignment the kernel requires of its base
     * @param range where it sits
     */
    record Frame(int addressType, long alignment, AddressRange range) {}

    /**
     * GICv2: a 4 KiB distributor and an 8 KiB CPU interface, each 4 KiB aligned.
     *
     * @param distributorBase the distributor's guest physical address
     * @param cpuInterfaceBase the CPU interface's guest physical address
     */
    record V2(long distributorBase, long cpuInterfaceBase) implements GicLayout {
        public GicVersion version() { return GicVersion.V2; }

        public List<Frame> frames() {
            return List.of(
                    new Frame(KVM_VGIC_V2_ADDR_TYPE_DIST, 0x1000, new AddressRange("vGICv2 distributor", distributorBase, KVM_VGIC_V2_DIST_SIZE)),
                    new Frame(KVM_VGIC_V2_ADDR_TYPE_CPU, 0x1000, new AddressRange("vGICv2 CPU interface", cpuInterfaceBase, KVM_VGIC_V2_CPU_SIZE)));
        }
    }

    /**
     * GICv3: a 64 KiB distributor and one 128 KiB redistributor per vCPU, each 64 KiB aligned.
     *
     * @param distributorBase the distributor's guest physical address
     * @param redistributorBase the guest physical address of vCPU 0's redistributor
     * @param vcpus the number of vCPUs, which sizes the redistributor region
     */
    record V3(long distributorBase, long redistributorBase, int vcpus) implements GicLayout {
        /** A v3 layout; {@code vcpus} must be positive. */
        public V3 {
            if (vcpus < 1) throw new IllegalArgumentException("a GICv3 layout needs at least one vCPU, not " + vcpus);
        }

        public GicVersion version() { return GicVersion.V3; }

        /** {@return the size of the redistributor region: 128 KiB per vCPU} */
        public long redistributorSize() { return vcpus * KVM_VGIC_V3_REDIST_SIZE; }

        public List<Frame> frames() {
            return List.of(
                    new Frame(KVM_VGIC_V3_ADDR_TYPE_DIST, 0x10000, new AddressRange("vGICv3 distributor", distributorBase, KVM_VGIC_V3_DIST_SIZE)),
                    new Frame(KVM_VGIC_V3_ADDR_TYPE_REDIST, 0x10000, new AddressRange(
                            "vGICv3 redistributors (" + vcpus + " vCPU" + (vcpus == 1 ? ")" : "s)"), redistributorBase, redistributorSize())));
        }
    }

    /**
     * A layout for {@code version} (V2 or V3): {@code secondBase} is the CPU interface (v2) or the
     * redistributor region (v3); {@code vcpus} sizes the v3 region and is checked against v2's limit.
     *
     * @param version V2 or V3
     * @param distributorBase the distributor's guest physical address
     * @param secondBase the CPU interface (v2) or the redistributor region (v3)
     * @param vcpus the number of vCPUs
     * @return the layout
     * @throws IllegalArgumentException for AUTO, or more vCPUs than a GICv2 serves
     */
    static GicLayout of(GicVersion version, long distributorBase, long secondBase, int vcpus) {
        return switch (version) {
            case V2 -> {
                if (vcpus > GicVersion.V2.maxVcpus()) {
                    throw new IllegalArgumentException("GICv2 serves at most 8 vCPUs, not " + vcpus + ": use GICv3");
                }
                yield new V2(distributorBase, secondBase);
            }
            case V3 -> new V3(distributorBase, secondBase, vcpus);
            case AUTO -> throw new IllegalArgumentException("a layout is for a concrete GIC version; ask Vgic.version()");
        };
    }
}
