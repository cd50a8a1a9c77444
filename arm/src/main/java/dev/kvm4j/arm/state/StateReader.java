package dev.kvm4j.arm.state;

import java.nio.ByteBuffer;

/**
 * Reads the big-endian fields {@link StateCodec} writes, checking every length against what is left before
 * reading it, so truncated or corrupt input ends in a {@link StateFormatException} naming the field and its
 * offset, never in an index error or a huge allocation.
 */
final class StateReader {
    private final ByteBuffer in;
    private final String what;

    StateReader(byte[] bytes, String what) {
        this.in = ByteBuffer.wrap(bytes);
        this.what = what;
    }

    int u8(String field) throws StateFormatException {
        need(1, field);
        return Byte.toUnsignedInt(in.get());
    }

    int u16(String field) throws StateFormatException {
        need(2, field);
        return Short.toUnsignedInt(in.getShort());
    }

    /** An unsigned 32-bit field, as a long so no value turns negative. */
    long u32(String field) throws StateFormatException {
        need(4, field);
        return Integer.toUnsignedLong(in.getInt());
    }

    long u64(String field) throws StateFormatException {
        need(8, field);
        return in.getLong();
    }

    /** An unsigned field of {@code size} bytes (4 or 8). */
    long value(int size, String field) throws StateFormatException {
        return size == 8 ? u64(field) : u32(field);
    }

    /**
     * A u32 element count, at most {@code max}, whose elements (at least {@code minElementBytes} each) fit in
     * what is left: the check divides instead of multiplying, so no count can overflow it.
     */
    int count(String field, long max, int minElementBytes) throws StateFormatException {
        int at = in.position();
        long n = u32(field);
        if (n > max) throw corrupt(at, field + " is " + n + ", more than the " + max + " allowed");
        if (n > in.remaining() / minElementBytes) {
            throw corrupt(at, field + " is " + n + " but only " + in.remaining() + " bytes follow (truncated?)");
        }
        return (int) n;
    }

    void expectTag(int tag, String name) throws StateFormatException {
        long got = u32("tag");
        if (got != Integer.toUnsignedLong(tag)) {
            throw corrupt(0, String.format("starts with 0x%08x, not the %s tag 0x%08x", got, name, tag));
        }
    }

    void expectEnd() throws StateFormatException {
        if (in.hasRemaining()) throw corrupt(in.position(), in.remaining() + " bytes follow the end of the state");
    }

    int position() { return in.position(); }

    StateFormatException corrupt(int at, String problem) {
        return new StateFormatException(what + " at byte " + at + ": " + problem);
    }

    private void need(int n, String field) throws StateFormatException {
        if (in.remaining() < n) {
            throw corrupt(in.position(), "truncated: " + field + " needs " + n + " bytes, " + in.remaining() + " left");
        }
    }
}
