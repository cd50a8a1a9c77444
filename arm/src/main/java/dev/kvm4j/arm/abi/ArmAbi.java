package dev.kvm4j.arm.abi;

import dev.kvm4j.kvm.abi.IoctlNumber;
import dev.kvm4j.kvm.abi.KvmIoctls;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The arm64 KVM ABI kvm4j uses, from {@code <asm/kvm.h>} and the register-id part of {@code <linux/kvm.h>}.
 * Every {@code KVM_*} field carries the kernel macro's name and value, and every struct layout carries the
 * C member names, so the build's ABI check can compare each one with the headers. Nothing else in the arm
 * module spells one of these numbers.
 */
public final class ArmAbi {
    private ArmAbi() {}

    // Register ids, linux/kvm.h: arch (8 bits) | size (4 bits, log2 bytes) | arch-specific rest.
    public static final long KVM_REG_ARCH_MASK = 0xff00000000000000L;
    public static final long KVM_REG_ARM64 = 0x6000000000000000L;
    public static final int KVM_REG_SIZE_SHIFT = 52;
    public static final long KVM_REG_SIZE_MASK = 0x00f0000000000000L;
    public static final long KVM_REG_SIZE_U8 = 0x0000000000000000L;
    public static final long KVM_REG_SIZE_U16 = 0x0010000000000000L;
    public static final long KVM_REG_SIZE_U32 = 0x0020000000000000L;
    public static final long KVM_REG_SIZE_U64 = 0x0030000000000000L;
    public static final long KVM_REG_SIZE_U128 = 0x0040000000000000L;
    public static final long KVM_REG_SIZE_U256 = 0x0050000000000000L;
    public static final long KVM_REG_SIZE_U512 = 0x0060000000000000L;
    public static final long KVM_REG_SIZE_U1024 = 0x0070000000000000L;
    public static final long KVM_REG_SIZE_U2048 = 0x0080000000000000L;

    // The arm64 group ("coprocessor") field and its groups.
    public static final long KVM_REG_ARM_COPROC_MASK = 0x000000000FFF0000L;
    public static final int KVM_REG_ARM_COPROC_SHIFT = 16;
    public static final long KVM_REG_ARM_CORE = 0x0010L << KVM_REG_ARM_COPROC_SHIFT;
    public static final long KVM_REG_ARM_DEMUX = 0x0011L << KVM_REG_ARM_COPROC_SHIFT;
    public static final long KVM_REG_ARM64_SYSREG = 0x0013L << KVM_REG_ARM_COPROC_SHIFT;
    public static final long KVM_REG_ARM_FW = 0x0014L << KVM_REG_ARM_COPROC_SHIFT;
    public static final long KVM_REG_ARM64_SVE = 0x0015L << KVM_REG_ARM_COPROC_SHIFT;
    public static final long KVM_REG_ARM_FW_FEAT_BMAP = 0x0016L << KVM_REG_ARM_COPROC_SHIFT;

    // Demux: registers with one value per selector (CCSIDR_EL1 per CSSELR_EL1 value).
    public static final long KVM_REG_ARM_DEMUX_ID_MASK = 0x000000000000FF00L;
    public static final int KVM_REG_ARM_DEMUX_ID_SHIFT = 8;
    public static final long KVM_REG_ARM_DEMUX_ID_CCSIDR = 0x00L << KVM_REG_ARM_DEMUX_ID_SHIFT;
    public static final long KVM_REG_ARM_DEMUX_VAL_MASK = 0x00000000000000FFL;
    public static final int KVM_REG_ARM_DEMUX_VAL_SHIFT = 0;

    // System registers: op0/op1/CRn/CRm/op2 as in the MRS/MSR encoding.
    public static final long KVM_REG_ARM64_SYSREG_OP0_MASK = 0x000000000000c000L;
    public static final int KVM_REG_ARM64_SYSREG_OP0_SHIFT = 14;
    public static final long KVM_REG_ARM64_SYSREG_OP1_MASK = 0x0000000000003800L;
    public static final int KVM_REG_ARM64_SYSREG_OP1_SHIFT = 11;
    public static final long KVM_REG_ARM64_SYSREG_CRN_MASK = 0x0000000000000780L;
    public static final int KVM_REG_ARM64_SYSREG_CRN_SHIFT = 7;
    public static final long KVM_REG_ARM64_SYSREG_CRM_MASK = 0x0000000000000078L;
    public static final int KVM_REG_ARM64_SYSREG_CRM_SHIFT = 3;
    public static final long KVM_REG_ARM64_SYSREG_OP2_MASK = 0x0000000000000007L;
    public static final int KVM_REG_ARM64_SYSREG_OP2_SHIFT = 0;

    /** The physical timer ids are the architectural encodings. */
    public static final long KVM_REG_ARM_PTIMER_CTL = sysreg(3, 3, 14, 2, 1);
    public static final long KVM_REG_ARM_PTIMER_CVAL = sysreg(3, 3, 14, 2, 2);
    public static final long KVM_REG_ARM_PTIMER_CNT = sysreg(3, 3, 14, 0, 1);
    /** The virtual timer's CVAL and CNT ids are swapped against the architecture, and that is the ABI. */
    public static final long KVM_REG_ARM_TIMER_CTL = sysreg(3, 3, 14, 3, 1);
    public static final long KVM_REG_ARM_TIMER_CVAL = sysreg(3, 3, 14, 0, 2);
    public static final long KVM_REG_ARM_TIMER_CNT = sysreg(3, 3, 14, 3, 2);

    // Firmware pseudo-registers (KVM acting as PSCI/SMCCC firmware) and feature bitmaps.
    public static final long KVM_REG_ARM_PSCI_VERSION = KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_FW | 0;
    public static final long KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_1 = KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_FW | 1;
    public static final long KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_2 = KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_FW | 2;
    public static final long KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_3 = KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_FW | 3;
    public static final long KVM_REG_ARM_STD_BMAP = KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_FW_FEAT_BMAP | 0;
    public static final long KVM_REG_ARM_STD_HYP_BMAP = KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_FW_FEAT_BMAP | 1;
    public static final long KVM_REG_ARM_VENDOR_HYP_BMAP = KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_FW_FEAT_BMAP | 2;

    // SVE: Z (2048-bit slices), P and FFR (256-bit slices), and the vector-length pseudo-register.
    public static final int KVM_REG_ARM64_SVE_ZREG_BASE = 0;
    public static final int KVM_REG_ARM64_SVE_PREG_BASE = 0x400;
    public static final int KVM_REG_ARM64_SVE_FFR_BASE = 0x600;
    public static final int KVM_ARM64_SVE_NUM_ZREGS = 32;
    public static final int KVM_ARM64_SVE_NUM_PREGS = 16;
    public static final int KVM_ARM64_SVE_MAX_SLICES = 32;
    public static final long KVM_REG_ARM64_SVE_VLS = KVM_REG_ARM64 | KVM_REG_ARM64_SVE | KVM_REG_SIZE_U512 | 0xffff;

    /** Indices of {@code kvm_regs.spsr[]}: the AArch32 SPSR banks; SVC's is SPSR_EL1. */
    public static final int KVM_SPSR_EL1 = 0;
    public static final int KVM_SPSR_SVC = KVM_SPSR_EL1;
    public static final int KVM_SPSR_ABT = 1;
    public static final int KVM_SPSR_UND = 2;
    public static final int KVM_SPSR_IRQ = 3;
    public static final int KVM_SPSR_FIQ = 4;
    public static final int KVM_NR_SPSR = 5;

    // vCPU targets and features of struct kvm_vcpu_init.
    public static final int KVM_ARM_TARGET_AEM_V8 = 0;
    public static final int KVM_ARM_TARGET_FOUNDATION_V8 = 1;
    public static final int KVM_ARM_TARGET_CORTEX_A57 = 2;
    public static final int KVM_ARM_TARGET_XGENE_POTENZA = 3;
    public static final int KVM_ARM_TARGET_CORTEX_A53 = 4;
    public static final int KVM_ARM_TARGET_GENERIC_V8 = 5;
    public static final int KVM_ARM_NUM_TARGETS = 6;

    public static final int KVM_ARM_VCPU_POWER_OFF = 0;
    public static final int KVM_ARM_VCPU_EL1_32BIT = 1;
    public static final int KVM_ARM_VCPU_PSCI_0_2 = 2;
    public static final int KVM_ARM_VCPU_PMU_V3 = 3;
    public static final int KVM_ARM_VCPU_SVE = 4;
    public static final int KVM_ARM_VCPU_PTRAUTH_ADDRESS = 5;
    public static final int KVM_ARM_VCPU_PTRAUTH_GENERIC = 6;

    /** {@code struct kvm_vcpu_init}: the target and a bitmap of KVM_ARM_VCPU_* features. */
    public static final StructLayout STRUCT_KVM_VCPU_INIT = MemoryLayout.structLayout(
            JAVA_INT.withName("target"),
            MemoryLayout.sequenceLayout(7, JAVA_INT).withName("features")).withName("kvm_vcpu_init");

    public static final long KVM_ARM_VCPU_INIT = IoctlNumber.iow(KvmIoctls.KVMIO, 0xae, STRUCT_KVM_VCPU_INIT.byteSize());
    public static final long KVM_ARM_PREFERRED_TARGET = IoctlNumber.ior(KvmIoctls.KVMIO, 0xaf, STRUCT_KVM_VCPU_INIT.byteSize());
    public static final long KVM_ARM_VCPU_FINALIZE = IoctlNumber.iow(KvmIoctls.KVMIO, 0xc2, JAVA_INT.byteSize());

    /** A {@code __uint128_t}: 16 bytes, 16-aligned, which is what puts 8 bytes of padding before fp_regs. */
    private static final MemoryLayout UINT128 = MemoryLayout.sequenceLayout(16, JAVA_BYTE).withByteAlignment(16);

    public static final StructLayout STRUCT_USER_PT_REGS = MemoryLayout.structLayout(
            MemoryLayout.sequenceLayout(31, JAVA_LONG).withName("regs"),
            JAVA_LONG.withName("sp"),
            JAVA_LONG.withName("pc"),
            JAVA_LONG.withName("pstate")).withName("user_pt_regs");

    public static final StructLayout STRUCT_USER_FPSIMD_STATE = MemoryLayout.structLayout(
            MemoryLayout.sequenceLayout(32, UINT128).withName("vregs"),
            JAVA_INT.withName("fpsr"),
            JAVA_INT.withName("fpcr"),
            MemoryLayout.sequenceLayout(2, JAVA_INT).withName("__reserved")).withName("user_fpsimd_state");

    /** {@code struct kvm_regs}: the core registers; a core register's id index is its offset here in 32-bit words. */
    public static final StructLayout STRUCT_KVM_REGS = MemoryLayout.structLayout(
            STRUCT_USER_PT_REGS.withName("regs"),
            JAVA_LONG.withName("sp_el1"),
            JAVA_LONG.withName("elr_el1"),
            MemoryLayout.sequenceLayout(KVM_NR_SPSR, JAVA_LONG).withName("spsr"),
            MemoryLayout.paddingLayout(8),
            STRUCT_USER_FPSIMD_STATE.withName("fp_regs")).withName("kvm_regs");

    /** Every struct the ABI check compares with the kernel's headers. */
    public static final List<StructLayout> ALL = List.of(STRUCT_KVM_VCPU_INIT, STRUCT_USER_PT_REGS, STRUCT_USER_FPSIMD_STATE, STRUCT_KVM_REGS);

    /** {@code ARM64_SYS_REG(op0, op1, crn, crm, op2)}: a 64-bit system register id. */
    public static long sysreg(int op0, int op1, int crn, int crm, int op2) {
        return KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM64_SYSREG
                | (((long) op0 << KVM_REG_ARM64_SYSREG_OP0_SHIFT) & KVM_REG_ARM64_SYSREG_OP0_MASK)
                | (((long) op1 << KVM_REG_ARM64_SYSREG_OP1_SHIFT) & KVM_REG_ARM64_SYSREG_OP1_MASK)
                | (((long) crn << KVM_REG_ARM64_SYSREG_CRN_SHIFT) & KVM_REG_ARM64_SYSREG_CRN_MASK)
                | (((long) crm << KVM_REG_ARM64_SYSREG_CRM_SHIFT) & KVM_REG_ARM64_SYSREG_CRM_MASK)
                | (((long) op2 << KVM_REG_ARM64_SYSREG_OP2_SHIFT) & KVM_REG_ARM64_SYSREG_OP2_MASK);
    }
}
