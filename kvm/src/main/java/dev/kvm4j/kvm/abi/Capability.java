package dev.kvm4j.kvm.abi;

/**
 * {@code KVM_CAP_*} numbers kvm4j asks about. The enum name plus {@code KVM_CAP_} is the kernel's macro
 * name, which the build's ABI check compares with {@code <linux/kvm.h>}.
 */
public enum Capability {
    /** An in-kernel interrupt controller can be created. */
    IRQCHIP(0),
    /** Memory slots backed by user memory ({@code KVM_SET_USER_MEMORY_REGION}). */
    USER_MEMORY(3),
    /** x86: the TSS address must be set before the first run. */
    SET_TSS_ADDR(4),
    /** The recommended number of vCPUs per VM. */
    NR_VCPUS(9),
    /** The number of memory slots per VM. */
    NR_MEMSLOTS(10),
    /** Changes to the host mapping of guest memory are seen by the guest at once (MMU notifiers). */
    SYNC_MMU(16),
    /** {@code KVM_IOEVENTFD}: guest writes signal an eventfd in the kernel. */
    IOEVENTFD(36),
    /** {@code KVM_IRQFD}: an eventfd signal injects an interrupt. */
    IRQFD(32),
    /** {@code KVM_SET_GUEST_DEBUG}: single-step and breakpoints for the VMM. */
    SET_GUEST_DEBUG(23),
    /** {@code KVM_GET_ONE_REG} and {@code KVM_SET_ONE_REG}. */
    ONE_REG(70),
    /** arm64: PSCI 0.1 in the kernel. */
    ARM_PSCI(87),
    /** {@code KVM_CREATE_DEVICE} and device attributes. */
    DEVICE_CTRL(89),
    /** arm64: vCPUs can run AArch32 at EL1. */
    ARM_EL1_32BIT(93),
    /** The maximum number of vCPUs per VM. */
    MAX_VCPUS(66),
    /** Read-only memory slots, whose writes exit as MMIO. */
    READONLY_MEM(81),
    /** arm64: PSCI 0.2 in the kernel. */
    ARM_PSCI_0_2(102),
    /** {@code kvm_run.immediate_exit}: a run that returns at once with EINTR. */
    IMMEDIATE_EXIT(136),
    /** arm64: a virtual PMUv3 for vCPUs. */
    ARM_PMU_V3(126),
    /** arm64: the largest guest physical address size, in bits, a VM may ask for. */
    ARM_VM_IPA_SIZE(165),
    /** arm64: SVE for vCPUs. */
    ARM_SVE(170),
    /** arm64: address pointer authentication for vCPUs. */
    ARM_PTRAUTH_ADDRESS(171),
    /** arm64: generic pointer authentication for vCPUs. */
    ARM_PTRAUTH_GENERIC(172),
    /** arm64: MMIO accesses without a decoded syndrome exit to the VMM ({@code KVM_EXIT_ARM_NISV}). */
    ARM_NISV_TO_USER(177),
    /** arm64: the VMM can inject an external data abort. */
    ARM_INJECT_EXT_DABT(178),
    /** The largest vCPU id plus one. */
    MAX_VCPU_ID(128),
    /** arm64: the number of hardware breakpoints guest debug offers. */
    GUEST_DEBUG_HW_BPS(119),
    /** arm64: the number of hardware watchpoints guest debug offers. */
    GUEST_DEBUG_HW_WPS(120);

    private final int number;

    Capability(int number) { this.number = number; }

    /** {@return the {@code KVM_CAP_*} number} */
    public int number() { return number; }

    /** {@return the kernel's macro name, e.g. {@code KVM_CAP_IRQFD}} */
    public String macro() { return "KVM_CAP_" + name(); }
}
