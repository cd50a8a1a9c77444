package dev.kvm4j.arm.debug;

import dev.kvm4j.arm.abi.ArmAbi;
import dev.kvm4j.arm.regs.CoreRegister;
import dev.kvm4j.kvm.Vcpu;

/**
 * The EL1&amp;0 translation registers of one vCPU, read together so one walk sees one state. For an AArch32 guest
 * the same registers carry the AArch32 ones (the Arm ARM's AArch32-to-AArch64 register mapping): SCTLR = SCTLR_EL1[31:0], TTBCR = TCR_EL1[31:0],
 * TTBR0/1 = TTBR0/1_EL1 (64-bit, LPAE format when TTBCR.EAE).
 *
 * @param aarch32 the vCPU is in AArch32
 * @param sctlr SCTLR_EL1
 * @param tcr TCR_EL1
 * @param ttbr0 TTBR0_EL1
 * @param ttbr1 TTBR1_EL1
 */
public record TranslationRegime(boolean aarch32, long sctlr, long tcr, long ttbr0, long ttbr1) {
    static final long SCTLR_EL1 = ArmAbi.sysreg(3, 0, 1, 0, 0);
    static final long TTBR0_EL1 = ArmAbi.sysreg(3, 0, 2, 0, 0);
    static final long TTBR1_EL1 = ArmAbi.sysreg(3, 0, 2, 0, 1);
    static final long TCR_EL1 = ArmAbi.sysreg(3, 0, 2, 0, 2);

    /**
     * The regime in force on {@code vcpu} now (call while it is stopped).
     *
     * @param vcpu the vCPU
     * @return its translation registers
     */
    public static TranslationRegime read(Vcpu vcpu) {
        boolean a32 = (vcpu.getOneReg(CoreRegister.PSTATE.id()) & 0x10) != 0;
        return new TranslationRegime(a32, vcpu.getOneReg(SCTLR_EL1), vcpu.getOneReg(TCR_EL1),
                vcpu.getOneReg(TTBR0_EL1), vcpu.getOneReg(TTBR1_EL1));
    }

    /** {@return true if SCTLR.M is set: without it VA = PA} */
    public boolean mmuEnabled() { return (sctlr & 1) != 0; }

    /** {@return AArch32 TTBCR.EAE: the long-descriptor (LPAE) format} */
    public boolean lpae() { return (tcr & (1L << 31)) != 0; }
}
