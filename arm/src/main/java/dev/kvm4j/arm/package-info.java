/**
 * The ARM side of KVM, on top of the arch-neutral {@code dev.kvm4j.kvm}: initialising a vCPU
 * ({@link dev.kvm4j.arm.VcpuInit}, {@code KVM_ARM_VCPU_INIT} with the host's preferred target and the
 * {@link dev.kvm4j.arm.VcpuFeature}s the host offers). The sub-packages hold the rest: register ids and
 * values ({@code regs}), the vCPU's register model kept in sync with the kernel ({@code cpu}), the in-kernel
 * vGIC ({@code gic}), PSCI ({@code psci}), the state a snapshot needs beyond registers ({@code state}),
 * guest debugging ({@code debug}), AArch32 guests ({@code aarch32}) and the run loop ({@code run}).
 * <p>
 * Asking a host for a feature it lacks fails before the ioctl, with
 * {@link dev.kvm4j.arm.VcpuFeatureUnavailableException} naming the capability, not with a bare EINVAL.
 */
package dev.kvm4j.arm;
