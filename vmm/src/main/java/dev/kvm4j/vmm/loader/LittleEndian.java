package dev.kvm4j.vmm.loader;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Header fields are little-endian whatever the host. */
final class LittleEndian {
    private LittleEndian() {}

    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static long u32(byte[] b, int offset) {
        return (b[offset] & 0xffL) | (b[offset + 1] & 0xffL) << 8 | (b[offset + 2] & 0xffL) << 16 | (b[offset + 3] & 0xffL) << 24;
    }

    static long u64(byte[] b, int offset) {
        return u32(b, offset) | u32(b, offset + 4) << 32;
    }

    /** A word of a kernel already in guest RAM (bounds-checked by the segment). */
    static long u32(MemorySegment s, long offset) {
        return Integer.toUnsignedLong(s.get(U32, offset));
    }

    static void putU32(byte[] b, int offset, long value) {
        for (int i = 0; i < 4; i++) b[offset + i] = (byte) (value >>> (8 * i));
    }

    static void putU64(byte[] b, int offset, long value) {
        putU32(b, offset, value);
        putU32(b, offset + 4, value >>> 32);
    }
}
