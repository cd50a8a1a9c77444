package dev.kvm4j.vmm.snapshot;

import dev.kvm4j.arm.VcpuFeature;
import dev.kvm4j.arm.regs.CpuState;
import dev.kvm4j.arm.state.VcpuExtraState;

import java.util.EnumSet;
import java.util.Set;

/**
 * One vCPU as a snapshot holds it: its id, the {@code KVM_ARM_VCPU_INIT} target and features it was
 * created with (secondaries keep POWER_OFF: a reboot after restore parks them again; the power state
 * itself is {@code extra.mpState()}), every listed register at the FULL level, and its power and events.
 *
 * @param id the vCPU id
 * @param target the {@code KVM_ARM_VCPU_INIT} target
 * @param features the {@code KVM_ARM_VCPU_INIT} features (copied)
 * @param registers every listed register's value
 * @param extra the vCPU's power state and pending events
 */
public record VcpuSnapshot(int id, int target, Set<VcpuFeature> features, CpuState registers, VcpuExtraState extra) {
    /** Copies {@code features}. */
    public VcpuSnapshot {
        features = features.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(features));
    }
}
