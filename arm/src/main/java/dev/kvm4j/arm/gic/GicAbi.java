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
    public static final int KVM_DEV_TYPE_ARM_VGIC_V2 = 5;
    public static final int KVM_DEV_TYPE_ARM_VGIC_V3 = 7;
    public static final int KVM_DEV_TYPE_ARM_VGIC_ITS = 8;

    // Device attribute groups of the vGIC devices.
    public static final int KVM_DEV_ARM_VGIC_GRP_ADDR = 0;
    public static final int KVM_DEV_ARM_VGIC_GRP_DIST_REGS = 1;
    public static final int KVM_DEV_ARM_VGIC_GRP_CPU_REGS = 2;
    public static final int KVM_DEV_ARM_VGIC_GRP_NR_IRQS = 3;
    public static final int KVM_DEV_ARM_VGIC_GRP_CTRL = 4;
    public static final int KVM_DEV_ARM_VGIC_GRP_REDIST_REGS = 5;
    public static final int KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS = 6;
    public static final int KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO = 7;
    /** GRP_CTRL command: finish the vGIC's setup (after vCPUs exist and addresses are set). */
    public static final int KVM_DEV_ARM_VGIC_CTRL_INIT = 0;

    // GRP_ADDR attributes: which frame an address is for.
    public static final int KVM_VGIC_V2_ADDR_TYPE_DIST = 0;
    public static final int KVM_VGIC_V2_ADDR_TYPE_CPU = 1;
    public static final int KVM_VGIC_V3_ADDR_TYPE_DIST = 2;
    public static final int KVM_VGIC_V3_ADDR_TYPE_REDIST = 3;
    public static final int KVM_VGIC_ITS_ADDR_TYPE = 4;
    public static final int KVM_VGIC_V3_ADDR_TYPE_REDIST_REGION = 5;

    // Frame sizes. The v3 ones are SZ_64K multiples in the header (its includer defines SZ_64K).
    public static final long KVM_VGIC_V2_DIST_SIZE = 0x1000;
    public static final long KVM_VGIC_V2_CPU_SIZE = 0x2000;
    public static final long KVM_VGIC_V3_DIST_SIZE = 0x10000;
    /** One vCPU's redistributor: an RD_base frame and an SGI_base frame of 64 KiB each. */
    public static final long KVM_VGIC_V3_REDIST_SIZE = 0x20000;

    // KVM_IRQ_LINE's irq field on arm64: vcpu2 (4) | type (4) | vcpu (8) | num (16), from bit 31 down.
    public static final int KVM_ARM_IRQ_VCPU2_SHIFT = 28;
    public static final int KVM_ARM_IRQ_VCPU2_MASK = 0xf;
    public static final int KVM_ARM_IRQ_TYPE_SHIFT = 24;
    public static final int KVM_ARM_IRQ_TYPE_MASK = 0xf;
    public static final int KVM_ARM_IRQ_VCPU_SHIFT = 16;
    public static final int KVM_ARM_IRQ_VCPU_MASK = 0xff;
    public static final int KVM_ARM_IRQ_NUM_SHIFT = 0;
    public static final int KVM_ARM_IRQ_NUM_MASK = 0xffff;
    /** The vCPU's own IRQ/FIQ pins: only for a VM without an in-kernel vGIC. */
    public static final int KVM_ARM_IRQ_TYPE_CPU = 0;
    public static final int KVM_ARM_IRQ_TYPE_SPI = 1;
    public static final int KVM_ARM_IRQ_TYPE_PPI = 2;
    public static final int KVM_ARM_IRQ_CPU_IRQ = 0;
    public static final int KVM_ARM_IRQ_CPU_FIQ = 1;
    /** The highest INTID of a vGIC whose GRP_NR_IRQS was never set (the kernel's default). */
    public static final int KVM_ARM_IRQ_GIC_MAX = 127;

    // The legacy address path: one VM ioctl per frame, vGICv2 only.
    public static final int KVM_ARM_DEVICE_TYPE_SHIFT = 0;
    public static final int KVM_ARM_DEVICE_TYPE_MASK = 0xffff;
    public static final int KVM_ARM_DEVICE_ID_SHIFT = 16;
    public static final int KVM_ARM_DEVICE_ID_MASK = 0xffff0000;
    public static final int KVM_ARM_DEVICE_VGIC_V2 = 0;

    /** {@code struct kvm_arm_device_addr}: {@code id = device id << 16 | address type}. */
    public static final StructLayout STRUCT_KVM_ARM_DEVICE_ADDR = MemoryLayout.structLayout(
            JAVA_LONG.withName("id"),
            JAVA_LONG.withName("addr")).withName("kvm_arm_device_addr");

    public static final long KVM_ARM_SET_DEVICE_ADDR =
            IoctlNumber.iow(KvmIoctls.KVMIO, 0xab, STRUCT_KVM_ARM_DEVICE_ADDR.byteSize());

    /** The {@code kvm_arm_device_addr.id} for a vGICv2 frame of {@code addressType}. */
    public static long legacyDeviceId(int addressType) {
        return ((long) KVM_ARM_DEVICE_VGIC_V2 << KVM_ARM_DEVICE_ID_SHIFT) | (addressType & KVM_ARM_DEVICE_TYPE_MASK);
    }
}
