package dev.kvm4j.arm.debug;

import dev.kvm4j.kvm.abi.IoctlNumber;
import dev.kvm4j.kvm.abi.KvmIoctls;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The guest-debug part of the arm64 KVM ABI ({@code <linux/kvm.h>}, {@code <asm/kvm.h>}). Field names are the
 * kernel's macro names and layouts carry the C member names, so {@code DebugAbiTest} compiles each one against
 * the arm64 headers. Nothing else in this package spells one of these numbers.
 */
public final class DebugAbi {
    private DebugAbi() {}

    // kvm_guest_debug.control: the generic bits, then arm64's own (asm/kvm.h).
    /** Guest debugging on. */
    public static final int KVM_GUESTDBG_ENABLE = 0x00000001;
    /** Stop after each instruction. */
    public static final int KVM_GUESTDBG_SINGLESTEP = 0x00000002;
    /** arm64: BRK/BKPT exit to the VMM. */
    public static final int KVM_GUESTDBG_USE_SW_BP = 1 << 16;
    /** arm64: load the hardware breakpoints and watchpoints given. */
    public static final int KVM_GUESTDBG_USE_HW = 1 << 17;

    /** Room in {@code kvm_guest_debug_arch}; the CPU's real counts come from the HW_BPS/HW_WPS capabilities. */
    public static final int KVM_ARM_MAX_DBG_REGS = 16;
    /** A bit of {@code kvm_run.flags} after KVM_EXIT_DEBUG (5.19+): {@code hsr_high} holds ESR[61:32]. */
    public static final int KVM_DEBUG_ARCH_HSR_HIGH_VALID = 1 << 0;

    /** Asked with KVM_CHECK_EXTENSION: the control bits this kernel accepts (not in kvm's Capability enum). */
    public static final int KVM_CAP_SET_GUEST_DEBUG2 = 195;
    /** Guest debugging is there. */
    public static final int KVM_CAP_SET_GUEST_DEBUG = 23;
    /** The number of hardware breakpoints. */
    public static final int KVM_CAP_GUEST_DEBUG_HW_BPS = 119;
    /** The number of hardware watchpoints. */
    public static final int KVM_CAP_GUEST_DEBUG_HW_WPS = 120;

    /** {@code struct kvm_guest_debug_arch}: the DBGBCR/BVR/WCR/WVR values KVM loads while debugging the guest. */
    public static final StructLayout STRUCT_KVM_GUEST_DEBUG_ARCH = MemoryLayout.structLayout(
            MemoryLayout.sequenceLayout(KVM_ARM_MAX_DBG_REGS, JAVA_LONG).withName("dbg_bcr"),
            MemoryLayout.sequenceLayout(KVM_ARM_MAX_DBG_REGS, JAVA_LONG).withName("dbg_bvr"),
            MemoryLayout.sequenceLayout(KVM_ARM_MAX_DBG_REGS, JAVA_LONG).withName("dbg_wcr"),
            MemoryLayout.sequenceLayout(KVM_ARM_MAX_DBG_REGS, JAVA_LONG).withName("dbg_wvr")).withName("kvm_guest_debug_arch");

    /** {@code struct kvm_guest_debug}: the argument of KVM_SET_GUEST_DEBUG. */
    public static final StructLayout STRUCT_KVM_GUEST_DEBUG = MemoryLayout.structLayout(
            JAVA_INT.withName("control"),
            JAVA_INT.withName("pad"),
            STRUCT_KVM_GUEST_DEBUG_ARCH.withName("arch")).withName("kvm_guest_debug");

    /** {@code struct kvm_debug_exit_arch}: {@code kvm_run.debug.arch} after KVM_EXIT_DEBUG. */
    public static final StructLayout STRUCT_KVM_DEBUG_EXIT_ARCH = MemoryLayout.structLayout(
            JAVA_INT.withName("hsr"),
            JAVA_INT.withName("hsr_high"),
            JAVA_LONG.withName("far")).withName("kvm_debug_exit_arch");

    /** vCPU ioctl: sets the debug control and registers. */
    public static final long KVM_SET_GUEST_DEBUG = IoctlNumber.iow(KvmIoctls.KVMIO, 0x9b, STRUCT_KVM_GUEST_DEBUG.byteSize());

    /** Every struct the ABI check compares with the kernel's headers. */
    public static final List<StructLayout> ALL = List.of(STRUCT_KVM_GUEST_DEBUG_ARCH, STRUCT_KVM_GUEST_DEBUG, STRUCT_KVM_DEBUG_EXIT_ARCH);
}
