package dev.kvm4j.arm.state;

import dev.kvm4j.kvm.abi.IoctlNumber;
import dev.kvm4j.kvm.abi.KvmIoctls;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The part of {@code <linux/kvm.h>} and arm64's {@code <asm/kvm.h>} that saving and restoring a machine
 * needs beyond what {@code ArmAbi}, {@code GicAbi} and {@code VcpuEventsAbi} hold: the vCPU power state
 * ioctls and the attribute encodings of the vGIC register groups. Every {@code KVM_*}/{@code VGIC_*} field
 * is the kernel macro's name and value; {@code StateAbiTest} compiles each against the headers.
 */
public final class StateAbi {
    private StateAbi() {}

    /** {@code struct kvm_mp_state}: one u32. */
    public static final StructLayout STRUCT_KVM_MP_STATE = MemoryLayout.structLayout(
            JAVA_INT.withName("mp_state")).withName("kvm_mp_state");

    /** vCPU ioctl: reads the power state. */
    public static final long KVM_GET_MP_STATE = IoctlNumber.ior(KvmIoctls.KVMIO, 0x98, STRUCT_KVM_MP_STATE.byteSize());
    /** vCPU ioctl: sets the power state. */
    public static final long KVM_SET_MP_STATE = IoctlNumber.iow(KvmIoctls.KVMIO, 0x99, STRUCT_KVM_MP_STATE.byteSize());

    // The values arm64 KVM reports or accepts (the others are x86's and s390's).
    /** Power state: running (or able to). */
    public static final int KVM_MP_STATE_RUNNABLE = 0;
    /** Power state: off, until a PSCI CPU_ON. */
    public static final int KVM_MP_STATE_STOPPED = 5;
    /** Power state: in a PSCI SYSTEM_SUSPEND the VMM asked to see. */
    public static final int KVM_MP_STATE_SUSPENDED = 10;

    // The attr field of the DIST_REGS/REDIST_REGS/CPU_REGS/CPU_SYSREGS/LEVEL_INFO groups: which CPU in
    // bits 63:32 (v2: the vCPU index, 8 bits; v3: the MPIDR affinity Aff3.Aff2.Aff1.Aff0), the register below.
    /** v2 register attributes: where the vCPU index starts. */
    public static final int KVM_DEV_ARM_VGIC_CPUID_SHIFT = 32;
    /** v2 register attributes: the vCPU index. */
    public static final long KVM_DEV_ARM_VGIC_CPUID_MASK = 0xffL << KVM_DEV_ARM_VGIC_CPUID_SHIFT;
    /** v3 register attributes: where the MPIDR affinity starts. */
    public static final int KVM_DEV_ARM_VGIC_V3_MPIDR_SHIFT = 32;
    /** v3 register attributes: the MPIDR affinity, Aff3.Aff2.Aff1.Aff0. */
    public static final long KVM_DEV_ARM_VGIC_V3_MPIDR_MASK = 0xffffffffL << KVM_DEV_ARM_VGIC_V3_MPIDR_SHIFT;
    /** Register attributes: where the register offset starts. */
    public static final int KVM_DEV_ARM_VGIC_OFFSET_SHIFT = 0;
    /** Register attributes: the register offset in its frame. */
    public static final long KVM_DEV_ARM_VGIC_OFFSET_MASK = 0xffffffffL;
    /** CPU_SYSREGS: op0/op1/CRn/CRm/op2 as in the MRS/MSR encoding, bits 15:0. */
    public static final long KVM_DEV_ARM_VGIC_SYSREG_INSTR_MASK = 0xffff;

    // LEVEL_INFO: mpidr (63:32) | info (31:10) | vINTID, a multiple of 32 (9:0).
    /** LEVEL_INFO attributes: where the info field starts. */
    public static final int KVM_DEV_ARM_VGIC_LINE_LEVEL_INFO_SHIFT = 10;
    /** LEVEL_INFO attributes: the info field. */
    public static final long KVM_DEV_ARM_VGIC_LINE_LEVEL_INFO_MASK = 0x3fffffL << KVM_DEV_ARM_VGIC_LINE_LEVEL_INFO_SHIFT;
    /** LEVEL_INFO attributes: the first vINTID of the 32 it covers. */
    public static final long KVM_DEV_ARM_VGIC_LINE_LEVEL_INTID_MASK = 0x3ff;
    /** LEVEL_INFO info: the line levels of level-triggered interrupts. */
    public static final int VGIC_LEVEL_INFO_LINE_LEVEL = 0;

    /** GRP_CTRL command of a v3 vGIC with an ITS: write the LPI pending bits into guest RAM. */
    public static final int KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES = 3;
}
