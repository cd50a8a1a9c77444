package dev.kvm4j.arm.aarch32;

import dev.kvm4j.arm.regs.CoreRegister;

/**
 * The AArch32 registers that exist once per mode bank, each with the AArch64 core register that holds it
 * while EL1 is AArch32 (Arm ARM, "Mapping of the AArch32 registers to the AArch64 registers"). SPSR_svc is
 * SPSR_EL1; the other SPSRs are KVM's {@code spsr[KVM_SPSR_*]}. SPSR_hyp and ELR_hyp live in EL2 registers
 * that KVM does not expose as core registers, so they are not here.
 */
public enum Aarch32Banked {
    /** AArch32 r8 of the usr bank, held in {@code X8}. */
    R8_USR(CoreRegister.X8),
    /** AArch32 r9 of the usr bank, held in {@code X9}. */
    R9_USR(CoreRegister.X9),
    /** AArch32 r10 of the usr bank, held in {@code X10}. */
    R10_USR(CoreRegister.X10),
    /** AArch32 r11 of the usr bank, held in {@code X11}. */
    R11_USR(CoreRegister.X11),
    /** AArch32 r12 of the usr bank, held in {@code X12}. */
    R12_USR(CoreRegister.X12),
    /** AArch32 r13 (SP) of the usr bank, held in {@code X13}. */
    SP_USR(CoreRegister.X13),
    /** AArch32 r14 (LR) of the usr bank, held in {@code X14}. */
    LR_USR(CoreRegister.X14),
    /** AArch32 r13 (SP) of the hyp bank, held in {@code X15}. */
    SP_HYP(CoreRegister.X15),
    /** AArch32 r14 (LR) of the irq bank, held in {@code X16}. */
    LR_IRQ(CoreRegister.X16),
    /** AArch32 r13 (SP) of the irq bank, held in {@code X17}. */
    SP_IRQ(CoreRegister.X17),
    /** AArch32 r14 (LR) of the svc bank, held in {@code X18}. */
    LR_SVC(CoreRegister.X18),
    /** AArch32 r13 (SP) of the svc bank, held in {@code X19}. */
    SP_SVC(CoreRegister.X19),
    /** AArch32 r14 (LR) of the abt bank, held in {@code X20}. */
    LR_ABT(CoreRegister.X20),
    /** AArch32 r13 (SP) of the abt bank, held in {@code X21}. */
    SP_ABT(CoreRegister.X21),
    /** AArch32 r14 (LR) of the und bank, held in {@code X22}. */
    LR_UND(CoreRegister.X22),
    /** AArch32 r13 (SP) of the und bank, held in {@code X23}. */
    SP_UND(CoreRegister.X23),
    /** AArch32 r8 of the fiq bank, held in {@code X24}. */
    R8_FIQ(CoreRegister.X24),
    /** AArch32 r9 of the fiq bank, held in {@code X25}. */
    R9_FIQ(CoreRegister.X25),
    /** AArch32 r10 of the fiq bank, held in {@code X26}. */
    R10_FIQ(CoreRegister.X26),
    /** AArch32 r11 of the fiq bank, held in {@code X27}. */
    R11_FIQ(CoreRegister.X27),
    /** AArch32 r12 of the fiq bank, held in {@code X28}. */
    R12_FIQ(CoreRegister.X28),
    /** AArch32 r13 (SP) of the fiq bank, held in {@code X29}. */
    SP_FIQ(CoreRegister.X29),
    /** AArch32 r14 (LR) of the fiq bank, held in {@code X30}. */
    LR_FIQ(CoreRegister.X30),
    /** AArch32 the saved program status register of the svc bank, held in {@code SPSR_EL1}. */
    SPSR_SVC(CoreRegister.SPSR_EL1),
    /** AArch32 the saved program status register of the abt bank, held in {@code SPSR_ABT}. */
    SPSR_ABT(CoreRegister.SPSR_ABT),
    /** AArch32 the saved program status register of the und bank, held in {@code SPSR_UND}. */
    SPSR_UND(CoreRegister.SPSR_UND),
    /** AArch32 the saved program status register of the irq bank, held in {@code SPSR_IRQ}. */
    SPSR_IRQ(CoreRegister.SPSR_IRQ),
    /** AArch32 the saved program status register of the fiq bank, held in {@code SPSR_FIQ}. */
    SPSR_FIQ(CoreRegister.SPSR_FIQ);

    private final CoreRegister holder;

    Aarch32Banked(CoreRegister holder) { this.holder = holder; }

    /** {@return the AArch64 core register whose low 32 bits are this register} */
    public CoreRegister holder() { return holder; }

    /** {@return the architectural name in lower case: {@code sp_svc}, {@code r8_fiq}, {@code spsr_abt}} */
    public String archName() { return name().toLowerCase(java.util.Locale.ROOT); }
}
