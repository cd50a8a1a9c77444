package dev.kvm4j.arm.aarch32;

import dev.kvm4j.arm.regs.CoreRegister;

/**
 * The AArch32 registers that exist once per mode bank, each with the AArch64 core register that holds it
 * while EL1 is AArch32 (Arm ARM, "Mapping of the AArch32 registers to the AArch64 registers"). SPSR_svc is
 * SPSR_EL1; the other SPSRs are KVM's {@code spsr[KVM_SPSR_*]}. SPSR_hyp and ELR_hyp live in EL2 registers
 * that KVM does not expose as core registers, so they are not here.
 */
public enum Aarch32Banked {
    R8_USR(CoreRegister.X8), R9_USR(CoreRegister.X9), R10_USR(CoreRegister.X10), R11_USR(CoreRegister.X11), R12_USR(CoreRegister.X12),
    SP_USR(CoreRegister.X13), LR_USR(CoreRegister.X14),
    SP_HYP(CoreRegister.X15),
    LR_IRQ(CoreRegister.X16), SP_IRQ(CoreRegister.X17),
    LR_SVC(CoreRegister.X18), SP_SVC(CoreRegister.X19),
    LR_ABT(CoreRegister.X20), SP_ABT(CoreRegister.X21),
    LR_UND(CoreRegister.X22), SP_UND(CoreRegister.X23),
    R8_FIQ(CoreRegister.X24), R9_FIQ(CoreRegister.X25), R10_FIQ(CoreRegister.X26), R11_FIQ(CoreRegister.X27), R12_FIQ(CoreRegister.X28),
    SP_FIQ(CoreRegister.X29), LR_FIQ(CoreRegister.X30),
    SPSR_SVC(CoreRegister.SPSR_EL1), SPSR_ABT(CoreRegister.SPSR_ABT), SPSR_UND(CoreRegister.SPSR_UND),
    SPSR_IRQ(CoreRegister.SPSR_IRQ), SPSR_FIQ(CoreRegister.SPSR_FIQ);

    private final CoreRegister holder;

    Aarch32Banked(CoreRegister holder) { this.holder = holder; }

    /** The AArch64 core register whose low 32 bits are this register. */
    public CoreRegister holder() { return holder; }

    /** The architectural name in lower case: {@code sp_svc}, {@code r8_fiq}, {@code spsr_abt}. */
    public String archName() { return name().toLowerCase(java.util.Locale.ROOT); }
}
