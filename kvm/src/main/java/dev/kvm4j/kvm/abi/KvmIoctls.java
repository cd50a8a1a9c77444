package dev.kvm4j.kvm.abi;

import static dev.kvm4j.kvm.abi.IoctlNumber.io;
import static dev.kvm4j.kvm.abi.IoctlNumber.iow;
import static dev.kvm4j.kvm.abi.IoctlNumber.iowr;

/**
 * Every arch-neutral KVM ioctl number kvm4j issues, computed once from the {@code _IO*} rules.
 * Field names are the kernel's macro names: the build's ABI check compares each with {@code <linux/kvm.h>}.
 */
public final class KvmIoctls {
    private KvmIoctls() {}

    /** The ioctl type of every KVM ioctl. */
    public static final int KVMIO = 0xAE;

    // system fd
    /** System: the API version, 12. */
    public static final long KVM_GET_API_VERSION = io(KVMIO, 0x00);
    /** System: a new VM fd. */
    public static final long KVM_CREATE_VM = io(KVMIO, 0x01);
    /** System or VM: whether a capability is there, and its value. */
    public static final long KVM_CHECK_EXTENSION = io(KVMIO, 0x03);
    /** System: the size of each vCPU's {@code kvm_run} mapping. */
    public static final long KVM_GET_VCPU_MMAP_SIZE = io(KVMIO, 0x04);

    // vm fd
    /** VM: a new vCPU fd. */
    public static final long KVM_CREATE_VCPU = io(KVMIO, 0x41);
    /** VM: the pages of a slot written since the last call. */
    public static final long KVM_GET_DIRTY_LOG = iow(KVMIO, 0x42, KvmStructs.STRUCT_KVM_DIRTY_LOG.byteSize());
    /** VM: adds, moves or deletes a memory slot. */
    public static final long KVM_SET_USER_MEMORY_REGION = iow(KVMIO, 0x46, KvmStructs.STRUCT_KVM_USERSPACE_MEMORY_REGION.byteSize());
    /** VM: binds an eventfd to an interrupt. */
    public static final long KVM_IRQFD = iow(KVMIO, 0x76, KvmStructs.STRUCT_KVM_IRQFD.byteSize());
    /** VM: binds an eventfd to guest writes at an address. */
    public static final long KVM_IOEVENTFD = iow(KVMIO, 0x79, KvmStructs.STRUCT_KVM_IOEVENTFD.byteSize());
    /** VM: raises or lowers an interrupt line. */
    public static final long KVM_IRQ_LINE = iow(KVMIO, 0x61, KvmStructs.STRUCT_KVM_IRQ_LEVEL.byteSize());
    /** VM: a new in-kernel device fd. */
    public static final long KVM_CREATE_DEVICE = iowr(KVMIO, 0xe0, KvmStructs.STRUCT_KVM_CREATE_DEVICE.byteSize());

    // vcpu fd
    /** vCPU: runs the guest until an exit. */
    public static final long KVM_RUN = io(KVMIO, 0x80);
    /** vCPU: reads one register. */
    public static final long KVM_GET_ONE_REG = iow(KVMIO, 0xab, KvmStructs.STRUCT_KVM_ONE_REG.byteSize());
    /** vCPU: writes one register. */
    public static final long KVM_SET_ONE_REG = iow(KVMIO, 0xac, KvmStructs.STRUCT_KVM_ONE_REG.byteSize());
    /** vCPU: the ids of every register. */
    public static final long KVM_GET_REG_LIST = iowr(KVMIO, 0xb0, KvmStructs.STRUCT_KVM_REG_LIST.byteSize());

    // device fd (and vm/vcpu fds for their own attributes)
    /** Device: writes an attribute. */
    public static final long KVM_SET_DEVICE_ATTR = iow(KVMIO, 0xe1, KvmStructs.STRUCT_KVM_DEVICE_ATTR.byteSize());
    /** Device: reads an attribute. */
    public static final long KVM_GET_DEVICE_ATTR = iow(KVMIO, 0xe2, KvmStructs.STRUCT_KVM_DEVICE_ATTR.byteSize());
    /** Device: whether an attribute exists. */
    public static final long KVM_HAS_DEVICE_ATTR = iow(KVMIO, 0xe3, KvmStructs.STRUCT_KVM_DEVICE_ATTR.byteSize());

    /** The only API version there is. */
    public static final int KVM_API_VERSION = 12;
    /** Slot flag: track written pages. */
    public static final int KVM_MEM_LOG_DIRTY_PAGES = 1;
    /** Slot flag: writes exit as MMIO. */
    public static final int KVM_MEM_READONLY = 2;
    /** {@code KVM_CREATE_DEVICE} flag: only ask whether the type could be created. */
    public static final int KVM_CREATE_DEVICE_TEST = 1;
    /** ioeventfd flag: only a write of the given value signals. */
    public static final int KVM_IOEVENTFD_FLAG_DATAMATCH = 1;
    /** ioeventfd flag: a port, not an MMIO address (x86). */
    public static final int KVM_IOEVENTFD_FLAG_PIO = 2;
    /** ioeventfd flag: remove the binding. */
    public static final int KVM_IOEVENTFD_FLAG_DEASSIGN = 4;
    /** irqfd flag: remove the binding. */
    public static final int KVM_IRQFD_FLAG_DEASSIGN = 1;
}
