package dev.kvm4j.arm.gic;

/**
 * Which vGIC a machine asks for. {@link #AUTO} is only a request: {@link Vgic#version()} is always the
 * concrete version the host gave.
 */
public enum GicVersion {
    /** A GICv2: up to 8 vCPUs. */
    V2(GicAbi.KVM_DEV_TYPE_ARM_VGIC_V2, 8),
    /** A GICv3. */
    V3(GicAbi.KVM_DEV_TYPE_ARM_VGIC_V3, 512),
    /** v3 if the host offers it, else v2. */
    AUTO(-1, 0);

    private final int deviceType;
    private final int maxVcpus;

    GicVersion(int deviceType, int maxVcpus) {
        this.deviceType = deviceType;
        this.maxVcpus = maxVcpus;
    }

    /**
     * The {@code KVM_CREATE_DEVICE} type.
     *
     * @return the type
     * @throws IllegalStateException for AUTO, which has none
     */
    public int deviceType() {
        if (this == AUTO) throw new IllegalStateException("AUTO is a request, not a device type");
        return deviceType;
    }

    /**
     * The most vCPUs this GIC architecture can address: v2 has 8 CPU interfaces; v3 as KVM implements it
     * reports 512 (KVM_MAX_VCPUS of the kernels we know; the host's own limit may be lower).
     *
     * @return the limit
     * @throws IllegalStateException for AUTO
     */
    public int maxVcpus() {
        if (this == AUTO) throw new IllegalStateException("AUTO has no vCPU limit of its own");
        return maxVcpus;
    }

    /** {@return "vGICv2" / "vGICv3", as messages name them} */
    public String label() {
        return this == AUTO ? "vGIC (auto)" : "vGIC" + name().toLowerCase(java.util.Locale.ROOT);
    }
}
