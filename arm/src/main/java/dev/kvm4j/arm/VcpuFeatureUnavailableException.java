package dev.kvm4j.arm;

/**
 * The host's KVM cannot give a vCPU a requested feature: its capability reads 0. Thrown before
 * {@code KVM_ARM_VCPU_INIT}, whose bare EINVAL would not say why.
 */
public final class VcpuFeatureUnavailableException extends RuntimeException {
    private final VcpuFeature feature;

    public VcpuFeatureUnavailableException(VcpuFeature feature) {
        super("this host CPU cannot " + feature.ability() + ": KVM reports " + feature.capability().macro() + " = 0");
        this.feature = feature;
    }

    public VcpuFeature feature() { return feature; }
}
