/**
 * One ARM vCPU's register state kept on the Java side: {@link dev.kvm4j.arm.cpu.ArmVcpu} gets and puts the
 * registers a {@link dev.kvm4j.arm.cpu.SyncLevel} asks for (core registers in one {@code KVM_GET_REGS}-sized
 * block, the rest one id at a time), reporting every register the kernel refused instead of stopping at the
 * first. Registers that describe the host (MIDR, the ID registers, cache geometry) are classified as constant,
 * which is what a snapshot restore compares.
 */
package dev.kvm4j.arm.cpu;
