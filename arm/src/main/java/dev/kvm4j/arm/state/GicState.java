package dev.kvm4j.arm.state;

import dev.kvm4j.arm.gic.GicVersion;

import java.util.List;

/**
 * A vGIC's state as a plain value: every register {@link GicStateEngine} reads, in restore order.
 *
 * @param version    V2 or V3: a state restores only into the same version
 * @param nrIrqs     KVM_DEV_ARM_VGIC_GRP_NR_IRQS: INTIDs in all, the 32 private ones included
 * @param cpuIds     each vCPU's CPU field as the attributes carry it, in vCPU creation order: v3 the MPIDR
 *                   affinity packed Aff3.Aff2.Aff1.Aff0, v2 the vCPU index
 * @param attributes the registers
 */
public record GicState(GicVersion version, int nrIrqs, List<Integer> cpuIds, List<GicAttribute> attributes) {
    /** A state of a V2 or V3 vGIC, with copies of the lists. */
    public GicState {
        if (version != GicVersion.V2 && version != GicVersion.V3) throw new IllegalArgumentException("a vGIC state is V2 or V3, not " + version);
        cpuIds = List.copyOf(cpuIds);
        attributes = List.copyOf(attributes);
    }

    /** {@return the bytes of register values, for reports} */
    public long valueBytes() { return attributes.stream().mapToLong(GicAttribute::size).sum(); }
}
