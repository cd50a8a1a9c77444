package dev.kvm4j.arm;

import dev.kvm4j.arm.abi.ArmAbi;
import dev.kvm4j.kvm.abi.Capability;

/**
 * The features {@code KVM_ARM_VCPU_INIT} can give a vCPU: the bit number in {@code kvm_vcpu_init.features},
 * and the capability that says whether this host offers it (null: always offered).
 */
public enum VcpuFeature {
    /** The vCPU starts powered off, waiting for a PSCI CPU_ON. */
    POWER_OFF(ArmAbi.KVM_ARM_VCPU_POWER_OFF, null, "start powered off"),
    /** EL1 runs AArch32: the guest is a 32-bit ARM kernel. */
    EL1_32BIT(ArmAbi.KVM_ARM_VCPU_EL1_32BIT, Capability.ARM_EL1_32BIT, "run AArch32 guests"),
    /** KVM implements PSCI 0.2 (CPU_ON, SYSTEM_OFF, SYSTEM_RESET, ...) in the kernel for the guest. */
    PSCI_0_2(ArmAbi.KVM_ARM_VCPU_PSCI_0_2, Capability.ARM_PSCI_0_2, "offer PSCI 0.2 to guests"),
    /** The vCPU gets a virtual PMUv3 (performance counters). */
    PMU_V3(ArmAbi.KVM_ARM_VCPU_PMU_V3, Capability.ARM_PMU_V3, "give guests a PMUv3"),
    /** The vCPU gets SVE; its vector lengths must be finalised before it runs. */
    SVE(ArmAbi.KVM_ARM_VCPU_SVE, Capability.ARM_SVE, "give guests SVE"),
    /** The vCPU gets address pointer authentication (given with {@link #PTRAUTH_GENERIC}). */
    PTRAUTH_ADDRESS(ArmAbi.KVM_ARM_VCPU_PTRAUTH_ADDRESS, Capability.ARM_PTRAUTH_ADDRESS, "give guests address authentication"),
    /** The vCPU gets generic pointer authentication (given with {@link #PTRAUTH_ADDRESS}). */
    PTRAUTH_GENERIC(ArmAbi.KVM_ARM_VCPU_PTRAUTH_GENERIC, Capability.ARM_PTRAUTH_GENERIC, "give guests generic authentication");

    private final int bit;
    private final Capability capability;
    private final String ability;

    VcpuFeature(int bit, Capability capability, String ability) {
        this.bit = bit;
        this.capability = capability;
        this.ability = ability;
    }

    /** {@return the bit number in the {@code features[]} bitmap} */
    public int bit() { return bit; }

    /** {@return the capability that must be non-zero for this feature, or null when it is always offered} */
    public Capability capability() { return capability; }

    /** {@return what the feature lets the host do, for messages: "run AArch32 guests"} */
    public String ability() { return ability; }
}
