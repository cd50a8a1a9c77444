/**
 * AArch32 guests at EL1: KVM keeps their registers in the AArch64 core registers, banked by mode.
 * {@link dev.kvm4j.arm.aarch32.Aarch32View} reads and writes them by their AArch32 names (r0-r15, cpsr, spsr,
 * d0-d31, fpscr) over a {@code CpuState}, following the mode in CPSR.M, so the register of the current mode is
 * always the one named.
 */
package dev.kvm4j.arm.aarch32;
