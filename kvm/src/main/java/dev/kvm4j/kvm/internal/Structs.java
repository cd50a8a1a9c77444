package dev.kvm4j.kvm.internal;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

/** Writes and reads struct members by their C name, for the calls that are not on a hot path. */
public final class Structs {
    private Structs() {}

    public static void put(StructLayout layout, MemorySegment s, String member, long value) {
        MemoryLayout m = layout.select(groupElement(member));
        long offset = layout.byteOffset(groupElement(member));
        switch (m.byteSize() == 8 ? 8 : (int) m.byteSize()) {
            case 8 -> s.set(ValueLayout.JAVA_LONG, offset, value);
            case 4 -> s.set(ValueLayout.JAVA_INT, offset, (int) value);
            case 2 -> s.set(ValueLayout.JAVA_SHORT, offset, (short) value);
            case 1 -> s.set(ValueLayout.JAVA_BYTE, offset, (byte) value);
            default -> throw new IllegalArgumentException(layout.name().orElse("struct") + "." + member + " is not a scalar");
        }
    }

    public static long get(StructLayout layout, MemorySegment s, String member) {
        MemoryLayout m = layout.select(groupElement(member));
        long offset = layout.byteOffset(groupElement(member));
        return switch ((int) m.byteSize()) {
            case 8 -> s.get(ValueLayout.JAVA_LONG, offset);
            case 4 -> Integer.toUnsignedLong(s.get(ValueLayout.JAVA_INT, offset));
            case 2 -> Short.toUnsignedLong(s.get(ValueLayout.JAVA_SHORT, offset));
            case 1 -> Byte.toUnsignedLong(s.get(ValueLayout.JAVA_BYTE, offset));
            default -> throw new IllegalArgumentException(layout.name().orElse("struct") + "." + member + " is not a scalar");
        };
    }
}
