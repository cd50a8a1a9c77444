package dev.kvm4j.arm.gic;

import dev.kvm4j.kvm.abi.IoctlNumber;
import dev.kvm4j.kvm.abi.KvmIoctls;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The vGIC and interrupt-line part of the arm64 KVM ABI ({@code <linux/kvm.h>}, {@code <asm/kvm.h>}).
 * Every {@code KVM_*} field carries the kernel macro's name and value, so {@code GicAbiTest} can compare
 * each with the headers; nothing else in this package spells one of these numbers.
 */
public final class GicAbi {
    private GicAbi() {}

    // KVM_CREATE_DEVICE types (enum kvm_device_type).
    /** Device type: a GICv2. */
    public static final int KVM_DEV_TYPE_ARM_VGIC_V2 = 5;
    /** Device type: a GICv3. */
    public static final int KVM_DEV_TYPE_ARM_VGIC_V3 = 7;
    /** Device type: a GICv3 ITS. */
    public static final int KVM_DEV_TYPE_ARM_VGIC_ITS = 8;

    // Device attribute groups of the vGIC devices.
    /** Attribute group: the guest physical address of a frame. */
    public static final int KVM_DEV_ARM_VGIC_GRP_ADDR = 0;
    /** Attribute group: distributor registers. */
    public static final int KVM_DEV_ARM_VGIC_GRP_DIST_REGS = 1;
    /** Attribute group: GICv2 CPU interface registers. */
    public static final int KVM_DEV_ARM_VGIC_GRP_CPU_REGS = 2;
    /** Attribute group: the number of interrupts. */
    public static final int KVM_DEV_ARM_VGIC_GRP_NR_IRQS = 3;
    /** Attribute group: control commands. */
    public static final int KVM_DEV_ARM_VGIC_GRP_CTRL = 4;
    /** Attribute group: GICv3 redistributor registers. */
    public static final int KVM_DEV_ARM_VGIC_GRP_REDIST_REGS = 5;
    /** Attribute group: GICv3 CPU interface system registers. */
    public static final int KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS = 6;
    /** Attribute group: the line levels of level-triggered interrupts. */
    public static final int KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO = 7;
    /** GRP_CTRL command: finish the vGIC's setup (after vCPUs exist and addresses are set). */
    public static final int KVM_DEV_ARM_VGIC_CTRL_INIT = 0;

    // GRP_ADDR attributes: which frame an address is for.
    /** GRP_ADDR: the GICv2 distributor. */
    public static final int KVM_VGIC_V2_ADDR_TYPE_DIST = 0;
    /** GRP_ADDR: the GICv2 CPU interface. */
    public static final int KVM_VGIC_V2_ADDR_TYPE_CPU = 1;
    /** GRP_ADDR: the GICv3 distributor. */
    public static final int KVM_VGIC_V3_ADDR_TYPE_DIST = 2;
    /** GRP_ADDR: the GICv3 redistributors, one region for every vCPU. */
    public static final int KVM_VGIC_V3_ADDR_TYPE_REDIST = 3;
    /** GRP_ADDR: the ITS. */
    public static final int KVM_VGIC_ITS_ADDR_TYPE = 4;
    /** GRP_ADDR: one of several GICv3 redistributor regions. */
    public static final int KVM_VGIC_V3_ADDR_TYPE_REDIST_REGION = 5;

    // Frame sizes. The v3 ones are SZ_64K multiples in the header (its includer defines SZ_64K).
    /** The GICv2 distributor frame, 4 KiB. */
    public static final long KVM_VGIC_V2_DIST_SIZE = 0x1000;
    /** The GICv2 CPU interface frame, 8 KiB. */
    public static final long KVM_VGIC_V2_CPU_SIZE = 0x2000;
    /** The GICv3 distributor frame, 64 KiB. */
    public static final long KVM_VGIC_V3_DIST_SIZE = 0x10000;
    /** One vCPU's redistributor: an RD_base frame and an SGI_base frame of 64 KiB each. */
    public static final long KVM_VGIC_V3_REDIST_SIZE = 0x20000;

    // KVM_IRQ_LINE's irq field on arm64: vcpu2 (4) | type (4) | vcpu (8) | num (16), from bit 31 down.
    /** KVM_IRQ_LINE: where the high bits of the vCPU index start. */
    public static final int KVM_ARM_IRQ_VCPU2_SHIFT = 28;
    /** KVM_IRQ_LINE: the high bits of the vCPU index. */
    public static final int KVM_ARM_IRQ_VCPU2_MASK = 0xf;
    /** KVM_IRQ_LINE: where the type starts. */
    public static final int KVM_ARM_IRQ_TYPE_SHIFT = 24;
    /** KVM_IRQ_LINE: the type field. */
    public static final int KVM_ARM_IRQ_TYPE_MASK = 0xf;
    /** KVM_IRQ_LINE: where the vCPU index starts. */
    public static final int KVM_ARM_IRQ_VCPU_SHIFT = 16;
    /** KVM_IRQ_LINE: the low bits of the vCPU index. */
    public static final int KVM_ARM_IRQ_VCPU_MASK = 0xff;
    /** KVM_IRQ_LINE: where the interrupt number starts. */
    public static final int KVM_ARM_IRQ_NUM_SHIFT = 0;
    /** KVM_IRQ_LINE: the interrupt number (INTID for SPIs and PPIs). */
    public static final int KVM_ARM_IRQ_NUM_MASK = 0xffff;
    /** The vCPU's own IRQ/FIQ pins: only for a VM without an in-kernel vGIC. */
    public static final int KVM_ARM_IRQ_TYPE_CPU = 0;
    /** KVM_IRQ_LINE type: a shared peripheral interrupt. */
    public static final int KVM_ARM_IRQ_TYPE_SPI = 1;
    /** KVM_IRQ_LINE type: a private peripheral interrupt of one vCPU. */
    public static final int KVM_ARM_IRQ_TYPE_PPI = 2;
    /** KVM_IRQ_LINE number with TYPE_CPU: the IRQ pin. */
    public static final int KVM_ARM_IRQ_CPU_IRQ = 0;
    /** KVM_IRQ_LINE number with TYPE_CPU: the FIQ pin. */
    public static final int KVM_ARM_IRQ_CPU_FIQ = 1;
    /** The highest INTID of a vGIC whose GRP_NR_IRQS was never set (the kernel's default). */
    public static final int KVM_ARM_IRQ_GIC_MAX = 127;

    // The legacy address path: one VM ioctl per frame, vGICv2 only.
    /** kvm_arm_device_addr.id: where the address type starts. */
    public static final int KVM_ARM_DEVICE_TYPE_SHIFT = 0;
    /** kvm_arm_device_addr.id: the address type. */
    public static final int KVM_ARM_DEVICE_TYPE_MASK = 0xffff;
    /** kvm_arm_device_addr.id: where the device id starts. */
    public static final int KVM_ARM_DEVICE_ID_SHIFT = 16;
    /** kvm_arm_device_addr.id: the device id. */
    public static final int KVM_ARM_DEVICE_ID_MASK = 0xffff0000;
    /** kvm_arm_device_addr device id: the GICv2. */
    public static final int KVM_ARM_DEVICE_VGIC_V2 = 0;

    /** {@code struct kvm_arm_device_addr}: {@code id = device id << 16 | address type}. */
    public static final StructLayout STRUCT_KVM_ARM_DEVICE_ADDR = MemoryLayout.structLayout(
            JAVA_LONG.withName("id"),
            JAVA_LONG.withName("addr")).withName("kvm_arm_device_addr");

    /** VM ioctl: the legacy way to place a GICv2 frame. */
    public static final long KVM_ARM_SET_DEVICE_ADDR =
            IoctlNumber.iow(KvmIoctls.KVMIO, 0xab, STRUCT_KVM_ARM_DEVICE_ADDR.byteSize());

    /**
     * The {@code kvm_arm_device_addr.id} for a vGICv2 frame of {@code addressType}.
     *
     * @param addressType {@link #KVM_VGIC_V2_ADDR_TYPE_DIST} or {@link #KVM_VGIC_V2_ADDR_TYPE_CPU}
     * @return the id
     */
    public static long legacyDeviceId(int addressType) {
        return ((long) KVM_ARM_DEVICE_VGIC_V2 << KVM_ARM_DEVICE_ID_SHIFT) | (addressType & KVM_ARM_DEVICE_TYPE_MASK);
    }
}
