package dev.kvm4j.kvm;

import dev.kvm4j.kvm.abi.Capability;
import dev.kvm4j.kvm.internal.FileHandle;
import dev.kvm4j.kvm.internal.Structs;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.BitSet;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static dev.kvm4j.kvm.abi.KvmIoctls.*;
import static dev.kvm4j.kvm.abi.KvmStructs.*;

/** A VM file descriptor: memory slots, vCPUs, in-kernel devices and interrupt lines. */
public final class Vm implements AutoCloseable {
    private static final long PAGE = 4096;

    private final FileHandle handle;
    private final Kvm kvm;
    private final Map<Integer, Long> slotSizes = new ConcurrentHashMap<>();

    Vm(FileHandle handle, Kvm kvm) {
        this.handle = handle;
        this.kvm = kvm;
    }

    public Kvm kvm() { return kvm; }

    /** {@code KVM_CHECK_EXTENSION} on the VM: some answers (max vCPUs, IPA size) depend on the VM. */
    public int checkExtension(Capability cap) {
        return handle.ioctl("KVM_CHECK_EXTENSION", KVM_CHECK_EXTENSION, cap.number());
    }

    /** Maps {@code memory} into the guest at its base through slot {@code slot}. */
    public void addMemory(int slot, GuestMemory memory, MemoryFlag... flags) {
        int bits = 0;
        for (MemoryFlag f : flags) bits |= f.bit();
        setUserMemoryRegion(slot, bits, memory.base(), memory.size(), memory.hostAddress());
    }

    /** Removes slot {@code slot} (a region of size 0, as the ABI defines deletion). */
    public void removeMemory(int slot) {
        setUserMemoryRegion(slot, 0, 0, 0, 0);
    }

    /** The raw {@code KVM_SET_USER_MEMORY_REGION}. */
    public void setUserMemoryRegion(int slot, int flags, long guestPhysAddr, long size, long userspaceAddr) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment r = arena.allocate(STRUCT_KVM_USERSPACE_MEMORY_REGION);
            Structs.put(STRUCT_KVM_USERSPACE_MEMORY_REGION, r, "slot", slot);
            Structs.put(STRUCT_KVM_USERSPACE_MEMORY_REGION, r, "flags", flags);
            Structs.put(STRUCT_KVM_USERSPACE_MEMORY_REGION, r, "guest_phys_addr", guestPhysAddr);
            Structs.put(STRUCT_KVM_USERSPACE_MEMORY_REGION, r, "memory_size", size);
            Structs.put(STRUCT_KVM_USERSPACE_MEMORY_REGION, r, "userspace_addr", userspaceAddr);
            handle.ioctl("KVM_SET_USER_MEMORY_REGION", KVM_SET_USER_MEMORY_REGION, r);
        }
        if (size == 0) slotSizes.remove(slot); else slotSizes.put(slot, size);
    }

    /**
     * {@code KVM_GET_DIRTY_LOG}: the pages of {@code slot} written since the last call (bit n = page n of
     * the slot). The kernel clears the log as it reports it.
     */
    public BitSet dirtyLog(int slot) {
        Long size = slotSizes.get(slot);
        if (size == null) throw new IllegalArgumentException("memory slot " + slot + " is not mapped in this VM");
        long pages = (size + PAGE - 1) / PAGE;
        long bitmapBytes = ((pages + 63) / 64) * 8;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bitmap = arena.allocate(bitmapBytes, 8);
            MemorySegment log = arena.allocate(STRUCT_KVM_DIRTY_LOG);
            Structs.put(STRUCT_KVM_DIRTY_LOG, log, "slot", slot);
            Structs.put(STRUCT_KVM_DIRTY_LOG, log, "dirty_bitmap", bitmap.address());
            handle.ioctl("KVM_GET_DIRTY_LOG", KVM_GET_DIRTY_LOG, log);
            return BitSet.valueOf(bitmap.toArray(ValueLayout.JAVA_LONG));
        }
    }

    /** {@code KVM_CREATE_VCPU}; the vCPU's {@code kvm_run} area is mapped at once. */
    public Vcpu createVcpu(int id) {
        int fd = handle.ioctl("KVM_CREATE_VCPU", KVM_CREATE_VCPU, id);
        return new Vcpu(new FileHandle(fd, "vCPU " + id), id, kvm.vcpuMmapSize());
    }

    /** {@code KVM_CREATE_DEVICE} of {@code type} (e.g. {@code KVM_DEV_TYPE_ARM_VGIC_V3}). */
    public Device createDevice(int type) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cd = arena.allocate(STRUCT_KVM_CREATE_DEVICE);
            Structs.put(STRUCT_KVM_CREATE_DEVICE, cd, "type", type);
            handle.ioctl("KVM_CREATE_DEVICE", KVM_CREATE_DEVICE, cd);
            int fd = (int) Structs.get(STRUCT_KVM_CREATE_DEVICE, cd, "fd");
            return new Device(new FileHandle(fd, "device type " + type), type);
        }
    }

    /** Asks whether {@code type} could be created ({@code KVM_CREATE_DEVICE_TEST}), creating nothing. */
    public boolean supportsDevice(int type) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cd = arena.allocate(STRUCT_KVM_CREATE_DEVICE);
            Structs.put(STRUCT_KVM_CREATE_DEVICE, cd, "type", type);
            Structs.put(STRUCT_KVM_CREATE_DEVICE, cd, "flags", KVM_CREATE_DEVICE_TEST);
            handle.ioctl("KVM_CREATE_DEVICE", KVM_CREATE_DEVICE, cd);
            return true;
        } catch (KvmException e) {
            return false;
        }
    }

    /** {@code KVM_IRQ_LINE}: raises or lowers an interrupt line; {@code irq}'s encoding is arch-specific. */
    public void irqLine(int irq, boolean level) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment l = arena.allocate(STRUCT_KVM_IRQ_LEVEL);
            Structs.put(STRUCT_KVM_IRQ_LEVEL, l, "irq", irq);
            Structs.put(STRUCT_KVM_IRQ_LEVEL, l, "level", level ? 1 : 0);
            handle.ioctl("KVM_IRQ_LINE", KVM_IRQ_LINE, l);
        }
    }

    /** An arch-specific VM ioctl (e.g. {@code KVM_ARM_PREFERRED_TARGET}); errno becomes a {@link KvmException}. */
    public int ioctl(String name, long request, MemorySegment arg) { return handle.ioctl(name, request, arg); }

    public int ioctl(String name, long request, long arg) { return handle.ioctl(name, request, arg); }

    @Override
    public void close() { handle.close(); }

}
