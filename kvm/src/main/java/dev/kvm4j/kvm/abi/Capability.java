package dev.kvm4j.kvm.abi;

/**
 * {@code KVM_CAP_*} numbers kvm4j asks about. The enum name plus {@code KVM_CAP_} is the kernel's macro
 * name, which the build's ABI check compares with {@code <linux/kvm.h>}.
 */
public enum Capability {
    IRQCHIP(0),
    USER_MEMORY(3),
    SET_TSS_ADDR(4),
    NR_VCPUS(9),
    NR_MEMSLOTS(10),
    SYNC_MMU(16),
    IOEVENTFD(36),
    IRQFD(32),
    SET_GUEST_DEBUG(23),
    ONE_REG(70),
    ARM_PSCI(87),
    DEVICE_CTRL(89),
    ARM_EL1_32BIT(93),
    MAX_VCPUS(66),
    READONLY_MEM(81),
    ARM_PSCI_0_2(102),
    IMMEDIATE_EXIT(136),
    ARM_PMU_V3(126),
    ARM_VM_IPA_SIZE(165),
    ARM_SVE(170),
    ARM_PTRAUTH_ADDRESS(171),
    ARM_PTRAUTH_GENERIC(172),
    ARM_NISV_TO_USER(177),
    ARM_INJECT_EXT_DABT(178),
    MAX_VCPU_ID(128),
    GUEST_DEBUG_HW_BPS(119),
    GUEST_DEBUG_HW_WPS(120);

    private final int number;

    Capability(int number) { this.number = number; }

    public int number() { return number; }

    public String macro() { return "KVM_CAP_" + name(); }
}
