package dev.kvm4j.kvm.abi;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.UnionLayout;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The arch-neutral structs of {@code <linux/kvm.h>}, each declared once. Layout and member names are the C
 * names, so the build's ABI check can compare every offset and size with the kernel's headers.
 * A name starting with {@code $} is an anonymous C union or struct: its members are reached without it.
 */
public final class KvmStructs {
    private KvmStructs() {}

    /** {@code struct kvm_userspace_memory_region}: a memory slot. */
    public static final StructLayout STRUCT_KVM_USERSPACE_MEMORY_REGION = MemoryLayout.structLayout(
            JAVA_INT.withName("slot"),
            JAVA_INT.withName("flags"),
            JAVA_LONG.withName("guest_phys_addr"),
            JAVA_LONG.withName("memory_size"),
            JAVA_LONG.withName("userspace_addr")).withName("kvm_userspace_memory_region");

    /** The bitmap pointer sits in an anonymous union with padding. */
    public static final StructLayout STRUCT_KVM_DIRTY_LOG = MemoryLayout.structLayout(
            JAVA_INT.withName("slot"),
            JAVA_INT.withName("padding1"),
            JAVA_LONG.withName("dirty_bitmap")).withName("kvm_dirty_log");

    /** {@code struct kvm_irq_level}: an interrupt line and its level. */
    public static final StructLayout STRUCT_KVM_IRQ_LEVEL = MemoryLayout.structLayout(
            JAVA_INT.withName("irq"),
            JAVA_INT.withName("level")).withName("kvm_irq_level");

    /** {@code struct kvm_one_reg}: a register id and the address of its value. */
    public static final StructLayout STRUCT_KVM_ONE_REG = MemoryLayout.structLayout(
            JAVA_LONG.withName("id"),
            JAVA_LONG.withName("addr")).withName("kvm_one_reg");

    /** Followed by {@code n} register ids. */
    public static final StructLayout STRUCT_KVM_REG_LIST = MemoryLayout.structLayout(
            JAVA_LONG.withName("n")).withName("kvm_reg_list");

    /** {@code struct kvm_create_device}: the type in, the fd out. */
    public static final StructLayout STRUCT_KVM_CREATE_DEVICE = MemoryLayout.structLayout(
            JAVA_INT.withName("type"),
            JAVA_INT.withName("fd"),
            JAVA_INT.withName("flags")).withName("kvm_create_device");

    /** {@code struct kvm_device_attr}: group, attribute and the address of its value. */
    public static final StructLayout STRUCT_KVM_DEVICE_ATTR = MemoryLayout.structLayout(
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("group"),
            JAVA_LONG.withName("attr"),
            JAVA_LONG.withName("addr")).withName("kvm_device_attr");

    /** {@code fd} is signed in C; {@code pad} keeps the struct at 64 bytes. */
    public static final StructLayout STRUCT_KVM_IOEVENTFD = MemoryLayout.structLayout(
            JAVA_LONG.withName("datamatch"),
            JAVA_LONG.withName("addr"),
            JAVA_INT.withName("len"),
            JAVA_INT.withName("fd"),
            JAVA_INT.withName("flags"),
            MemoryLayout.sequenceLayout(36, JAVA_BYTE).withName("pad")).withName("kvm_ioeventfd");

    /** {@code struct kvm_irqfd}: an eventfd and the GSI it injects. */
    public static final StructLayout STRUCT_KVM_IRQFD = MemoryLayout.structLayout(
            JAVA_INT.withName("fd"),
            JAVA_INT.withName("gsi"),
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("resamplefd"),
            MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("pad")).withName("kvm_irqfd");

    private static final UnionLayout STRUCT_KVM_RUN_EXIT = MemoryLayout.unionLayout(
            MemoryLayout.structLayout(JAVA_LONG.withName("hardware_exit_reason")).withName("hw"),
            MemoryLayout.structLayout(
                    JAVA_LONG.withName("hardware_entry_failure_reason"),
                    JAVA_INT.withName("cpu"),
                    MemoryLayout.paddingLayout(4)).withName("fail_entry"),
            MemoryLayout.structLayout(
                    JAVA_BYTE.withName("direction"),
                    JAVA_BYTE.withName("size"),
                    JAVA_SHORT.withName("port"),
                    JAVA_INT.withName("count"),
                    JAVA_LONG.withName("data_offset")).withName("io"),
            MemoryLayout.structLayout(
                    JAVA_LONG.withName("phys_addr"),
                    MemoryLayout.sequenceLayout(8, JAVA_BYTE).withName("data"),
                    JAVA_INT.withName("len"),
                    JAVA_BYTE.withName("is_write"),
                    MemoryLayout.paddingLayout(3)).withName("mmio"),
            MemoryLayout.structLayout(
                    JAVA_INT.withName("suberror"),
                    JAVA_INT.withName("ndata"),
                    MemoryLayout.sequenceLayout(16, JAVA_LONG).withName("data")).withName("internal"),
            MemoryLayout.structLayout(
                    JAVA_INT.withName("type"),
                    JAVA_INT.withName("ndata"),
                    MemoryLayout.sequenceLayout(16, JAVA_LONG).withName("data")).withName("system_event"),
            MemoryLayout.structLayout(
                    JAVA_LONG.withName("esr_iss"),
                    JAVA_LONG.withName("fault_ipa")).withName("arm_nisv"),
            MemoryLayout.sequenceLayout(256, JAVA_BYTE).withName("padding")).withName("$exit");

    /** The head of the mmap'ed {@code struct kvm_run} up to and including the exit union. */
    public static final StructLayout STRUCT_KVM_RUN = MemoryLayout.structLayout(
            JAVA_BYTE.withName("request_interrupt_window"),
            JAVA_BYTE.withName("immediate_exit"),
            MemoryLayout.sequenceLayout(6, JAVA_BYTE).withName("padding1"),
            JAVA_INT.withName("exit_reason"),
            JAVA_BYTE.withName("ready_for_interrupt_injection"),
            JAVA_BYTE.withName("if_flag"),
            JAVA_SHORT.withName("flags"),
            JAVA_LONG.withName("cr8"),
            JAVA_LONG.withName("apic_base"),
            STRUCT_KVM_RUN_EXIT).withName("kvm_run");

    /** Every layout the ABI check compares with the kernel's headers. */
    public static final java.util.List<StructLayout> ALL = java.util.List.of(
            STRUCT_KVM_USERSPACE_MEMORY_REGION, STRUCT_KVM_DIRTY_LOG, STRUCT_KVM_IRQ_LEVEL, STRUCT_KVM_ONE_REG, STRUCT_KVM_REG_LIST,
            STRUCT_KVM_CREATE_DEVICE, STRUCT_KVM_DEVICE_ATTR, STRUCT_KVM_IOEVENTFD, STRUCT_KVM_IRQFD);
}
