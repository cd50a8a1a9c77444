package dev.kvm4j.kvm;

import dev.kvm4j.kvm.abi.Capability;
import dev.kvm4j.kvm.internal.FileHandle;
import dev.kvm4j.kvm.internal.Libc;
import dev.kvm4j.kvm.internal.Structs;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

import static dev.kvm4j.kvm.abi.KvmIoctls.*;
import static dev.kvm4j.kvm.abi.KvmStructs.*;

/**
 * A VM file descriptor: memory slots, vCPUs, in-kernel devices and interrupt lines.
 * <p>
 * Lifetimes follow the kernel's: a VM lives while its fd or any of its vCPU or device fds is open, so this
 * {@code Vm}'s fd is closed only after {@link #close()} <em>and</em> the close of every vCPU and device it
 * created, in whatever order they come. Only then are the {@link GuestMemory} areas it maps let go: guest
 * RAM is never unmapped while a memory slot of a live VM still points at it.
 */
public final class Vm implements AutoCloseable {
    private static final long PAGE = 4096;
    private static final long IRQ_LEVEL_IRQ = STRUCT_KVM_IRQ_LEVEL.byteOffset(groupElement("irq"));
    private static final long IRQ_LEVEL_LEVEL = STRUCT_KVM_IRQ_LEVEL.byteOffset(groupElement("level"));

    private final FileHandle handle;
    private final Kvm kvm;
    private final Map<Integer, Long> slotSizes = new ConcurrentHashMap<>();
    /** The memory each slot added by {@link #addMemory} holds a reference on; guarded by itself. */
    private final Map<Integer, GuestMemory> slotMemory = new HashMap<>();
    /**
     * The VM's native memory: every vCPU's {@code kvm_run} mapping and buffers, and KVM_IRQ_LINE's argument
     * and errno (held once so that raising a line allocates nothing). One shared arena, closed when the VM
     * is released: a shared arena's close is a handshake with every Java thread, so one per VM, not per vCPU.
     */
    private final Arena arena = Arena.ofShared();
    private final MemorySegment irqLevel = arena.allocate(STRUCT_KVM_IRQ_LEVEL);
    private final MemorySegment irqErrno = Libc.allocateErrno(arena);
    private final ReentrantLock irqLock = new ReentrantLock();

    Vm(int fd, Kvm kvm) {
        this.handle = new FileHandle(fd, "VM", this::released);
        this.kvm = kvm;
    }

    /** {@return the system handle this VM was created from} */
    public Kvm kvm() { return kvm; }

    /**
     * {@code KVM_CHECK_EXTENSION} on the VM: some answers (max vCPUs, IPA size) depend on the VM.
     *
     * @param cap the capability
     * @return 0 when absent, otherwise a capability-specific positive value
     */
    public int checkExtension(Capability cap) {
        return handle.ioctl("KVM_CHECK_EXTENSION", KVM_CHECK_EXTENSION, cap.number());
    }

    /**
     * Maps {@code memory} into the guest at its base through slot {@code slot}. The VM keeps the memory
     * mapped until the slot is removed or replaced, or the VM is gone, even if {@code memory} is closed first.
     *
     * @param slot the memory slot number (replaces whatever the slot held)
     * @param memory the guest RAM to map, at its own base address
     * @param flags slot flags, such as dirty logging or read-only
     * @throws ClosedHandleException if the memory or this VM is closed
     * @throws KvmException if the kernel refuses the region (an overlap with another slot: EEXIST)
     */
    public void addMemory(int slot, GuestMemory memory, MemoryFlag... flags) {
        int bits = 0;
        for (MemoryFlag f : flags) bits |= f.bit();
        memory.retain("KVM_SET_USER_MEMORY_REGION");
        try {
            synchronized (slotMemory) {
                setUserMemoryRegion(slot, bits, memory.base(), memory.size(), memory.hostAddress(), memory);
            }
        } catch (RuntimeException e) {
            memory.release();
            throw e;
        }
    }

    /**
     * Removes slot {@code slot} (a region of size 0, as the ABI defines deletion); its memory is let go.
     *
     * @param slot the memory slot number
     */
    public void removeMemory(int slot) {
        setUserMemoryRegion(slot, 0, 0, 0, 0);
    }

    /**
     * The raw {@code KVM_SET_USER_MEMORY_REGION}; a {@link GuestMemory} the slot held before is let go.
     *
     * @param slot the memory slot number
     * @param flags {@code KVM_MEM_*} bits
     * @param guestPhysAddr the guest physical address of the region
     * @param size the region's length in bytes; 0 deletes the slot
     * @param userspaceAddr the host virtual address backing it
     * @throws KvmException if the kernel refuses the region
     */
    public void setUserMemoryRegion(int slot, int flags, long guestPhysAddr, long size, long userspaceAddr) {
        synchronized (slotMemory) {
            setUserMemoryRegion(slot, flags, guestPhysAddr, size, userspaceAddr, null);
        }
    }

    /** With {@code slotMemory} held; {@code memory} (already retained) is what the slot holds from now on. */
    private void setUserMemoryRegion(int slot, int flags, long guestPhysAddr, long size, long userspaceAddr, GuestMemory memory) {
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
        GuestMemory previous = memory == null ? slotMemory.remove(slot) : slotMemory.put(slot, memory);
        if (previous != null) previous.release();
    }

    /**
     * {@code KVM_GET_DIRTY_LOG}: the pages of {@code slot} written since the last call (bit n = page n of
     * the slot). The kernel clears the log as it reports it.
     *
     * @param slot a slot added with {@link MemoryFlag#LOG_DIRTY_PAGES}
     * @return the dirty pages, one bit per 4 KiB page
     * @throws IllegalArgumentException if the slot is not mapped in this VM
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

    /**
     * {@code KVM_CREATE_VCPU}; the vCPU's {@code kvm_run} area is mapped at once. The vCPU holds this VM (its
     * fd and memory) until the vCPU is closed, as the kernel's vCPU holds the kernel's VM.
     *
     * @param id the vCPU id (on arm64 its MPIDR affinity follows from it)
     * @return the new vCPU; close it when done
     * @throws KvmException if the kernel refuses (an id in use: EEXIST; too many vCPUs: EINVAL)
     */
    public Vcpu createVcpu(int id) {
        handle.acquire("KVM_CREATE_VCPU");
        int fd;
        try {
            fd = handle.ioctl("KVM_CREATE_VCPU", KVM_CREATE_VCPU, id);
        } catch (RuntimeException e) {
            handle.release();
            throw e;
        }
        // From here the vCPU's handle owns the hold: its close (on a failed mmap, too) releases it.
        // The arena outlives the vCPU: the VM's release, which closes it, waits for this hold.
        return new Vcpu(new FileHandle(fd, "vCPU " + id, handle::release), id, kvm.vcpuMmapSize(), arena);
    }

    /**
     * {@code KVM_CREATE_DEVICE} of {@code type} (e.g. {@code KVM_DEV_TYPE_ARM_VGIC_V3}); it holds this VM like a vCPU.
     *
     * @param type the {@code KVM_DEV_TYPE_*} number
     * @return the new device; close it when done
     * @throws KvmException if the kernel cannot create it (ENODEV for a type this host lacks)
     */
    public Device createDevice(int type) {
        handle.acquire("KVM_CREATE_DEVICE");
        int fd;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cd = arena.allocate(STRUCT_KVM_CREATE_DEVICE);
            Structs.put(STRUCT_KVM_CREATE_DEVICE, cd, "type", type);
            handle.ioctl("KVM_CREATE_DEVICE", KVM_CREATE_DEVICE, cd);
            fd = (int) Structs.get(STRUCT_KVM_CREATE_DEVICE, cd, "fd");
        } catch (RuntimeException e) {
            handle.release();
            throw e;
        }
        return new Device(new FileHandle(fd, "device type " + type, handle::release), type);
    }

    /**
     * Asks whether {@code type} could be created ({@code KVM_CREATE_DEVICE_TEST}), creating nothing.
     *
     * @param type the {@code KVM_DEV_TYPE_*} number
     * @return true if {@link #createDevice} of that type would be accepted
     */
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

    /**
     * {@code KVM_IRQ_LINE}: raises or lowers an interrupt line; {@code irq}'s encoding is arch-specific.
     * Allocates nothing (a device model calls it per level change); any thread, one call at a time.
     *
     * @param irq the line, encoded as the architecture defines (arm64: type, vCPU index and number)
     * @param level true to raise, false to lower
     * @throws ClosedHandleException once this VM is closed
     */
    public void irqLine(int irq, boolean level) {
        irqLock.lock();
        try {
            if (!arena.scope().isAlive()) throw new ClosedHandleException(handle.what(), "KVM_IRQ_LINE");
            irqLevel.set(ValueLayout.JAVA_INT, IRQ_LEVEL_IRQ, irq);
            irqLevel.set(ValueLayout.JAVA_INT, IRQ_LEVEL_LEVEL, level ? 1 : 0);
            handle.ioctlRepeatable("KVM_IRQ_LINE", KVM_IRQ_LINE, irqLevel, irqErrno); // setting a level twice is harmless
        } finally {
            irqLock.unlock();
        }
    }

    /**
     * {@code KVM_IOEVENTFD}: from now on a guest MMIO write of {@code length} bytes (1, 2, 4 or 8; 0 = any
     * length) to {@code address} signals {@code eventFd} in the kernel instead of exiting to the vCPU thread.
     * With {@code datamatch}, only a write of that value does; other writes exit as before.
     *
     * @param eventFd the eventfd to signal
     * @param address the guest physical address written
     * @param length the write's width in bytes, or 0 for any
     * @param datamatch the one value that signals, or empty for any
     * @return the registration; closing it deassigns the eventfd
     * @throws IllegalArgumentException for another length, or a datamatch without a length
     */
    public IoEventFd ioEventFd(EventFd eventFd, long address, int length, java.util.OptionalLong datamatch) {
        if (length != 0 && length != 1 && length != 2 && length != 4 && length != 8) {
            throw new IllegalArgumentException("an ioeventfd covers 0, 1, 2, 4 or 8 bytes, not " + length);
        }
        if (datamatch.isPresent() && length == 0) throw new IllegalArgumentException("an ioeventfd with a datamatch needs a length");
        IoEventFd registration = new IoEventFd(this, eventFd, address, length, datamatch);
        ioEventFdCall(registration, 0, "KVM_IOEVENTFD");
        return registration;
    }

    /**
     * {@link #ioEventFd(EventFd, long, int, java.util.OptionalLong)} for any value written.
     *
     * @param eventFd the eventfd to signal
     * @param address the guest physical address written
     * @param length the write's width in bytes, or 0 for any
     * @return the registration; closing it deassigns the eventfd
     */
    public IoEventFd ioEventFd(EventFd eventFd, long address, int length) {
        return ioEventFd(eventFd, address, length, java.util.OptionalLong.empty());
    }

    void ioEventFdDeassign(IoEventFd registration) {
        if (handle.isClosed()) return; // the registration went with the VM, or goes with it
        ioEventFdCall(registration, KVM_IOEVENTFD_FLAG_DEASSIGN, "KVM_IOEVENTFD (deassign)");
    }

    private void ioEventFdCall(IoEventFd r, int extraFlags, String name) {
        int fd = r.eventFd().acquire(name);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(STRUCT_KVM_IOEVENTFD);
            int flags = extraFlags | (r.datamatch().isPresent() ? KVM_IOEVENTFD_FLAG_DATAMATCH : 0);
            Structs.put(STRUCT_KVM_IOEVENTFD, s, "datamatch", r.datamatch().orElse(0));
            Structs.put(STRUCT_KVM_IOEVENTFD, s, "addr", r.address());
            Structs.put(STRUCT_KVM_IOEVENTFD, s, "len", r.length());
            Structs.put(STRUCT_KVM_IOEVENTFD, s, "fd", fd);
            Structs.put(STRUCT_KVM_IOEVENTFD, s, "flags", flags);
            handle.ioctl(name, KVM_IOEVENTFD, s);
        } finally {
            r.eventFd().release();
        }
    }

    /**
     * {@code KVM_IRQFD}: from now on a signal of {@code eventFd} injects an edge on {@code gsi} (arm64 with a
     * vGIC: GSI n = SPI n = INTID 32 + n). Needs an in-kernel interrupt controller (vGIC, x86's irqchip).
     *
     * @param eventFd the eventfd whose signals inject the interrupt
     * @param gsi the global system interrupt number
     * @return the registration; closing it detaches the eventfd
     * @throws IllegalArgumentException if {@code gsi} is negative
     */
    public IrqFd irqFd(EventFd eventFd, int gsi) {
        if (gsi < 0) throw new IllegalArgumentException("GSI " + gsi + " is negative");
        IrqFd registration = new IrqFd(this, eventFd, gsi);
        irqFdCall(registration, 0, "KVM_IRQFD");
        return registration;
    }

    void irqFdDeassign(IrqFd registration) {
        if (handle.isClosed()) return;
        irqFdCall(registration, KVM_IRQFD_FLAG_DEASSIGN, "KVM_IRQFD (deassign)");
    }

    private void irqFdCall(IrqFd r, int flags, String name) {
        int fd = r.eventFd().acquire(name);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(STRUCT_KVM_IRQFD);
            Structs.put(STRUCT_KVM_IRQFD, s, "fd", fd);
            Structs.put(STRUCT_KVM_IRQFD, s, "gsi", r.gsi());
            Structs.put(STRUCT_KVM_IRQFD, s, "flags", flags);
            handle.ioctl(name, KVM_IRQFD, s);
        } finally {
            r.eventFd().release();
        }
    }

    /**
     * An arch-specific VM ioctl with a pointer argument (e.g. {@code KVM_ARM_PREFERRED_TARGET}).
     *
     * @param name the ioctl's kernel name, for messages
     * @param request the ioctl number
     * @param arg the argument struct, in native memory
     * @return the ioctl's non-negative result
     * @throws KvmException with the errno if the ioctl fails
     */
    public int ioctl(String name, long request, MemorySegment arg) { return handle.ioctl(name, request, arg); }

    /**
     * An arch-specific VM ioctl with an integer argument.
     *
     * @param name the ioctl's kernel name, for messages
     * @param request the ioctl number
     * @param arg the argument
     * @return the ioctl's non-negative result
     * @throws KvmException with the errno if the ioctl fails
     */
    public int ioctl(String name, long request, long arg) { return handle.ioctl(name, request, arg); }

    /**
     * Ends the user's use of this VM. The fd closes, and the memory it maps is let go, once every vCPU and
     * device of this VM is closed too (now, if they already are). Idempotent.
     */
    @Override
    public void close() { handle.close(); }

    /** The fd is closed: no vCPU or device is left, so the kernel's VM is gone with it. */
    private void released() {
        synchronized (slotMemory) {
            for (GuestMemory m : slotMemory.values()) m.release();
            slotMemory.clear();
        }
        irqLock.lock();
        try {
            arena.close(); // every vCPU's kvm_run: the vCPUs are closed, or this release would not run
        } finally {
            irqLock.unlock();
        }
    }

}
