package dev.kvm4j.arm.regs;

import static dev.kvm4j.arm.abi.ArmAbi.KVM_REG_ARM64_SVE;
import static dev.kvm4j.arm.abi.ArmAbi.KVM_REG_ARM64_SYSREG;
import static dev.kvm4j.arm.abi.ArmAbi.KVM_REG_ARM_CORE;
import static dev.kvm4j.arm.abi.ArmAbi.KVM_REG_ARM_DEMUX;
import static dev.kvm4j.arm.abi.ArmAbi.KVM_REG_ARM_FW;
import static dev.kvm4j.arm.abi.ArmAbi.KVM_REG_ARM_FW_FEAT_BMAP;

/** The arm64 register groups: the id's "coprocessor" field. */
public enum RegisterGroup {
    /** {@code struct kvm_regs} members; index = offset in 32-bit words. */
    CORE(KVM_REG_ARM_CORE),
    /** Registers with one value per selector: CCSIDR_EL1 per CSSELR_EL1. */
    DEMUX(KVM_REG_ARM_DEMUX),
    /** AArch64 system registers by op0/op1/CRn/CRm/op2. */
    SYSREG(KVM_REG_ARM64_SYSREG),
    /** KVM's firmware pseudo-registers: PSCI version, SMCCC workarounds. */
    FIRMWARE(KVM_REG_ARM_FW),
    /** SVE Z/P/FFR slices and the vector-length register. */
    SVE(KVM_REG_ARM64_SVE),
    /** Bitmaps of the hypercall services KVM offers the guest. */
    FIRMWARE_BITMAP(KVM_REG_ARM_FW_FEAT_BMAP),
    /** Anything else: a group newer than kvm4j, or an id of another architecture. */
    OTHER(-1);

    private final long coproc;

    RegisterGroup(long coproc) { this.coproc = coproc; }

    /**
     * {@return the group's value of the id's KVM_REG_ARM_COPROC_MASK field (already shifted into place); -1 for OTHER}
     */
    public long coproc() { return coproc; }

    static RegisterGroup of(long coprocBits) {
        for (RegisterGroup g : values()) if (g.coproc == coprocBits) return g;
        return OTHER;
    }
}
