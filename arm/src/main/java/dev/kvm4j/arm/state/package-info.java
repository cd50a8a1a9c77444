/**
 * The state of an ARM VM beyond its registers, as a snapshot needs it: the vGIC's distributor, redistributor and
 * CPU-interface registers ({@link dev.kvm4j.arm.state.GicState}, saved and restored by
 * {@link dev.kvm4j.arm.state.GicStateEngine}) and each vCPU's power state and pending exception events
 * ({@link dev.kvm4j.arm.state.VcpuExtraState}), with a compact binary encoding that is checked when read back.
 */
package dev.kvm4j.arm.state;
