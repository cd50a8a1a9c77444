package dev.kvm4j.kvm;

import dev.kvm4j.kvm.internal.FileHandle;
import dev.kvm4j.kvm.internal.Structs;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.kvm4j.kvm.abi.KvmIoctls.*;
import static dev.kvm4j.kvm.abi.KvmStructs.STRUCT_KVM_DEVICE_ATTR;

/** An in-kernel device created by {@code KVM_CREATE_DEVICE}, driven through its attributes. */
public final class Device implements AutoCloseable {
    private final FileHandle handle;
    private final int type;

    Device(FileHandle handle, int type) {
        this.handle = handle;
        this.type = type;
    }

    public int type() { return type; }

    /** {@code KVM_HAS_DEVICE_ATTR}. */
    public boolean hasAttribute(int group, long attr) {
        try (Arena arena = Arena.ofConfined()) {
            handle.ioctl("KVM_HAS_DEVICE_ATTR", KVM_HAS_DEVICE_ATTR, attribute(arena, group, attr, MemorySegment.NULL));
            return true;
        } catch (KvmException.NoSuchDeviceOrAddress e) {
            return false;
        }
    }

    /** {@code KVM_SET_DEVICE_ATTR} with a 64-bit value. */
    public void setAttribute(int group, long attr, long value) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocateFrom(ValueLayout.JAVA_LONG, value);
            setAttribute(group, attr, v);
        }
    }

    /** {@code KVM_SET_DEVICE_ATTR} with the value's bytes in {@code value} (its size is the attribute's). */
    public void setAttribute(int group, long attr, MemorySegment value) {
        try (Arena arena = Arena.ofConfined()) {
            handle.ioctl("KVM_SET_DEVICE_ATTR", KVM_SET_DEVICE_ATTR, attribute(arena, group, attr, value));
        }
    }

    /** {@code KVM_SET_DEVICE_ATTR} for attributes that carry no value (addr 0), such as control commands. */
    public void setAttribute(int group, long attr) { setAttribute(group, attr, MemorySegment.NULL); }

    /** {@code KVM_GET_DEVICE_ATTR} into {@code value}. */
    public void getAttribute(int group, long attr, MemorySegment value) {
        try (Arena arena = Arena.ofConfined()) {
            handle.ioctl("KVM_GET_DEVICE_ATTR", KVM_GET_DEVICE_ATTR, attribute(arena, group, attr, value));
        }
    }

    public long getAttribute64(int group, long attr) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(ValueLayout.JAVA_LONG);
            getAttribute(group, attr, v);
            return v.get(ValueLayout.JAVA_LONG, 0);
        }
    }

    public int getAttribute32(int group, long attr) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(ValueLayout.JAVA_INT);
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

    @Override
    public void close() { handle.close(); }
}
