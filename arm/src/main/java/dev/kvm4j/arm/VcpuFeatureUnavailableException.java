package dev.kvm4j.arm;

/**
 * The host's KVM cannot give a vCPU a requested feature: its capability reads 0. Thrown before
 * {@code KVM_ARM_VCPU_INIT}, whose bare EINVAL would not say why.
 */
public final class VcpuFeatureUnavailableException extends RuntimeException {
    /** The feature the host lacks. */
    private final VcpuFeature feature;

    /**
     * The host lacks {@code feature}.
     *
     * @param feature the feature whose capability reads 0
     */
    public VcpuFeatureUnavailableException(VcpuFeature feature) {
        super("this host CPU cannot " + feature.ability() + ": KVM reports " + feature.capability().macro() + " = 0");
        this.feature = feature;
    }

    /** {@return the feature the host lacks} */
    public VcpuFeature feature() { return feature; }
}
