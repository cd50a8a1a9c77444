/**
 * Debugging an ARM guest through KVM: {@link dev.kvm4j.arm.debug.GuestDebug} sets {@code KVM_SET_GUEST_DEBUG}
 * (single-step, BRK trapping), {@link dev.kvm4j.arm.debug.HardwareDebug} hands out the hardware breakpoint and
 * watchpoint slots the host offers, {@link dev.kvm4j.arm.debug.SoftwareBreakpoints} patches {@code BRK} into
 * guest memory while showing the original bytes, and {@link dev.kvm4j.arm.debug.PageTableWalker} translates
 * guest virtual addresses through the guest's own page tables (4K/16K/64K granules, AArch32 short and long
 * descriptors). A debug exit is decoded from its ESR into a {@link dev.kvm4j.arm.debug.DebugExit}.
 */
package dev.kvm4j.arm.debug;
