/**
 * ARM registers as KVM names them: a {@link dev.kvm4j.arm.regs.RegisterId} is a {@code KVM_REG_ARM64} id
 * (size, group, index), {@link dev.kvm4j.arm.regs.CoreRegister} the members of {@code struct kvm_regs} (x0-x30,
 * sp, pc, pstate, the banked SPs and SPSRs, v0-v31, fpsr, fpcr), and {@link dev.kvm4j.arm.regs.CpuState} an
 * immutable snapshot of every register a vCPU lists, with a readable diff between two states.
 * {@link dev.kvm4j.arm.regs.VcpuRegisters} reads and writes them through {@code KVM_GET/SET_ONE_REG};
 * system registers are named after the Arm ARM ({@code MIDR_EL1}, {@code SCTLR_EL1}, ...).
 */
package dev.kvm4j.arm.regs;
