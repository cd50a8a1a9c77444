package dev.kvm4j.kvm;

import dev.kvm4j.kvm.internal.FileHandle;
import dev.kvm4j.kvm.internal.Structs;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.kvm4j.kvm.abi.KvmIoctls.*;
import static dev.kvm4j.kvm.abi.KvmStructs.STRUCT_KVM_DEVICE_ATTR;

/**
 * An in-kernel device created by {@code KVM_CREATE_DEVICE}, driven through its attributes. The kernel reads
 * or writes an attribute's value at the address given, with the size the attribute has, which this layer
 * cannot know; so every value buffer must be native and at least {@value #MIN_VALUE_BYTES} bytes, the
 * largest value of the vGIC's attributes (addresses and system registers are u64, the rest u32).
 */
public final class Device implements AutoCloseable {
    /** The smallest value buffer accepted: the largest attribute value of the devices kvm4j drives. */
    public static final long MIN_VALUE_BYTES = 8;

    private final FileHandle handle;
    private final int type;

    Device(FileHandle handle, int type) {
        this.handle = handle;
        this.type = type;
    }

    /** {@return the {@code KVM_DEV_TYPE_*} number it was created with} */
    public int type() { return type; }

    /**
     * {@code KVM_HAS_DEVICE_ATTR}: whether the device knows an attribute.
     *
     * @param group the attribute group ({@code KVM_DEV_ARM_VGIC_GRP_*} for a vGIC)
     * @param attr the attribute within the group
     * @return true if the kernel accepts the attribute, false if it answers ENXIO
     */
    public boolean hasAttribute(int group, long attr) {
        try (Arena arena = Arena.ofConfined()) {
            handle.ioctl("KVM_HAS_DEVICE_ATTR", KVM_HAS_DEVICE_ATTR, attribute(arena, group, attr, MemorySegment.NULL));
            return true;
        } catch (KvmException.NoSuchDeviceOrAddress e) {
            return false;
        }
    }

    /**
     * {@code KVM_SET_DEVICE_ATTR} with a 64-bit value.
     *
     * @param group the attribute group
     * @param attr the attribute within the group
     * @param value the value; a u32 attribute takes its low 32 bits
     * @throws KvmException if the kernel refuses the attribute or the value
     */
    public void setAttribute(int group, long attr, long value) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocateFrom(ValueLayout.JAVA_LONG, value);
            setAttribute(group, attr, v);
        }
    }

    /**
     * {@code KVM_SET_DEVICE_ATTR} with the value's bytes at the start of {@code value} (a u32 attribute
     * reads the first 4 of its 8 or more bytes).
     *
     * @param group the attribute group
     * @param attr the attribute within the group
     * @param value native memory of at least {@value #MIN_VALUE_BYTES} bytes holding the value
     * @throws IllegalArgumentException if {@code value} is on the heap or shorter than {@value #MIN_VALUE_BYTES} bytes
     * @throws KvmException if the kernel refuses the attribute or the value
     */
    public void setAttribute(int group, long attr, MemorySegment value) {
        checkValue("KVM_SET_DEVICE_ATTR", group, attr, value);
        set(group, attr, value);
    }

    /**
     * {@code KVM_SET_DEVICE_ATTR} for attributes that carry no value (addr 0), such as control commands.
     *
     * @param group the attribute group
     * @param attr the attribute within the group
     * @throws KvmException if the kernel refuses the attribute
     */
    public void setAttribute(int group, long attr) { set(group, attr, MemorySegment.NULL); }

    private void set(int group, long attr, MemorySegment value) {
        try (Arena arena = Arena.ofConfined()) {
            handle.ioctl("KVM_SET_DEVICE_ATTR", KVM_SET_DEVICE_ATTR, attribute(arena, group, attr, value));
        }
    }

    /**
     * {@code KVM_GET_DEVICE_ATTR} into {@code value}.
     *
     * @param group the attribute group
     * @param attr the attribute within the group
     * @param value native memory of at least {@value #MIN_VALUE_BYTES} bytes, which receives the value
     * @throws IllegalArgumentException if {@code value} is on the heap or shorter than {@value #MIN_VALUE_BYTES} bytes
     * @throws KvmException if the kernel refuses the attribute
     */
    public void getAttribute(int group, long attr, MemorySegment value) {
        checkValue("KVM_GET_DEVICE_ATTR", group, attr, value);
        try (Arena arena = Arena.ofConfined()) {
            handle.ioctl("KVM_GET_DEVICE_ATTR", KVM_GET_DEVICE_ATTR, attribute(arena, group, attr, value));
        }
    }

    /** The kernel would read or write past a shorter buffer, or at a heap segment's meaningless address. */
    private static void checkValue(String call, int group, long attr, MemorySegment value) {
        if (!value.isNative()) {
            throw new IllegalArgumentException(call + " group " + group + " attr 0x" + Long.toHexString(attr)
                    + ": the value buffer must be native memory (allocate it from an Arena)");
        }
        if (value.byteSize() < MIN_VALUE_BYTES) {
            throw new IllegalArgumentException(call + " group " + group + " attr 0x" + Long.toHexString(attr) + ": the value buffer has "
                    + value.byteSize() + " bytes, at least " + MIN_VALUE_BYTES + " are needed (the kernel may access that many)");
        }
    }

    /**
     * {@code KVM_GET_DEVICE_ATTR} of a 64-bit attribute.
     *
     * @param group the attribute group
     * @param attr the attribute within the group
     * @return the value
     * @throws KvmException if the kernel refuses the attribute
     */
    public long getAttribute64(int group, long attr) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(ValueLayout.JAVA_LONG);
            getAttribute(group, attr, v);
            return v.get(ValueLayout.JAVA_LONG, 0);
        }
    }

    /**
     * {@code KVM_GET_DEVICE_ATTR} of a 32-bit attribute.
     *
     * @param group the attribute group
     * @param attr the attribute within the group
     * @return the value
     * @throws KvmException if the kernel refuses the attribute
     */
    public int getAttribute32(int group, long attr) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(MIN_VALUE_BYTES, 8);
            getAttribute(group, attr, v);
            return v.get(ValueLayout.JAVA_INT, 0);
        }
    }

    private static MemorySegment attribute(Arena arena, int group, long attr, MemorySegment value) {
        MemorySegment a = arena.allocate(STRUCT_KVM_DEVICE_ATTR);
        Structs.put(STRUCT_KVM_DEVICE_ATTR, a, "group", group);
        Structs.put(STRUCT_KVM_DEVICE_ATTR, a, "attr", attr);
        Structs.put(STRUCT_KVM_DEVICE_ATTR, a, "addr", value.address());
        return a;
    }

    /** Closes the device's fd; its VM lives on until its own fd and every vCPU and device fd are closed. Idempotent. */
    @Override
    public void close() { handle.close(); }
}
