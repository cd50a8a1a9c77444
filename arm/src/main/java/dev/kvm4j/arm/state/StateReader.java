package dev.kvm4j.arm.state;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Reads the big-endian fields {@link StateWriter} writes, as untrusted input: every length is checked against
 * what is left before it is read or allocated, so truncated or corrupt input ends in a
 * {@link StateFormatException} naming the field and its byte offset, never in an index error or a huge
 * allocation. kvm4j's saved states ({@link StateCodec}) and the vmm's snapshot sections both read through it.
 */
public final class StateReader {
    private final ByteBuffer in;
    private final String what;
    private final long base;

    /**
     * A reader of a whole state; offsets in messages count from its first byte.
     *
     * @param bytes the state
     * @param what what the bytes are, to start messages with
     */
    public StateReader(byte[] bytes, String what) {
        this(bytes, what, 0);
    }

    /**
     * A reader of bytes that sit at {@code base} in a larger file, so messages give the file's offsets.
     *
     * @param bytes the payload
     * @param what what the bytes are, to start messages with
     * @param base the file offset of {@code bytes[0]}
     */
    public StateReader(byte[] bytes, String what, long base) {
        this.in = ByteBuffer.wrap(bytes);
        this.what = what;
        this.base = base;
    }

    /**
     * An unsigned byte.
     *
     * @param field the field's name, for messages
     * @return its value, 0 to 255
     * @throws StateFormatException when the input ends first
     */
    public int u8(String field) throws StateFormatException {
        need(1, field);
        return Byte.toUnsignedInt(in.get());
    }

    /**
     * An unsigned 16-bit field.
     *
     * @param field the field's name, for messages
     * @return its value, 0 to 65535
     * @throws StateFormatException when the input ends first
     */
    public int u16(String field) throws StateFormatException {
        need(2, field);
        return Short.toUnsignedInt(in.getShort());
    }

    /**
     * An unsigned 32-bit field, as a long so no value turns negative.
     *
     * @param field the field's name, for messages
     * @return its value, 0 to 2^32 - 1
     * @throws StateFormatException when the input ends first
     */
    public long u32(String field) throws StateFormatException {
        need(4, field);
        return Integer.toUnsignedLong(in.getInt());
    }

    /**
     * A 64-bit field.
     *
     * @param field the field's name, for messages
     * @return its bits
     * @throws StateFormatException when the input ends first
     */
    public long u64(String field) throws StateFormatException {
        need(8, field);
        return in.getLong();
    }

    /**
     * An unsigned field of {@code size} bytes (4 or 8).
     *
     * @param size 4 or 8
     * @param field the field's name, for messages
     * @return its value
     * @throws StateFormatException when the input ends first
     */
    public long value(int size, String field) throws StateFormatException {
        return size == 8 ? u64(field) : u32(field);
    }

    /**
     * A byte that must be 0 or 1.
     *
     * @param field the field's name, for messages
     * @return whether it is 1
     * @throws StateFormatException when the input ends first or the byte is another value
     */
    public boolean bool(String field) throws StateFormatException {
        int at = in.position();
        int b = u8(field);
        if (b > 1) throw corrupt(at, field + " is " + b + ", not 0 or 1");
        return b == 1;
    }

    /**
     * A u32 element count, at most {@code max}, whose elements (at least {@code minElementBytes} each) fit in
     * what is left: the check divides instead of multiplying, so no count can overflow it.
     *
     * @param field the field's name, for messages
     * @param max the largest count allowed
     * @param minElementBytes the fewest bytes one element takes (1 or more)
     * @return the count
     * @throws StateFormatException when the count is above {@code max} or its elements cannot fit
     */
    public int count(String field, long max, int minElementBytes) throws StateFormatException {
        int at = in.position();
        long n = u32(field);
        if (n > max) throw corrupt(at, field + " is " + n + ", more than the " + max + " allowed");
        if (n > in.remaining() / minElementBytes) {
            throw corrupt(at, field + " is " + n + " but only " + in.remaining() + " bytes follow (truncated?)");
        }
        return (int) n;
    }

    /**
     * The next {@code n} bytes, copied.
     *
     * @param n how many (already checked against a limit by the caller, as from {@link #count})
     * @param field the field's name, for messages
     * @return a copy of them
     * @throws StateFormatException when fewer than {@code n} are left
     */
    public byte[] bytes(int n, String field) throws StateFormatException {
        if (n < 0) throw corrupt(in.position(), field + " has a negative length " + n);
        need(n, field);
        byte[] b = new byte[n];
        in.get(b);
        return b;
    }

    /**
     * A u32 length, at most {@code max}, then that many bytes of strict UTF-8.
     *
     * @param field the field's name, for messages
     * @param max the longest string allowed, in bytes
     * @return the string
     * @throws StateFormatException when the length is too large or the bytes are not UTF-8
     */
    public String string(String field, int max) throws StateFormatException {
        int n = count(field + " length", max, 1);
        int at = in.position();
        byte[] b = bytes(n, field);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw corrupt(at, field + " is not UTF-8");
        }
    }

    /**
     * The 4-byte tag a state starts with.
     *
     * @param tag the tag expected
     * @param name what a state with that tag is, for messages
     * @throws StateFormatException when the input starts with another tag or is shorter
     */
    public void expectTag(int tag, String name) throws StateFormatException {
        long got = u32("tag");
        if (got != Integer.toUnsignedLong(tag)) {
            throw corrupt(0, String.format("starts with 0x%08x, not the %s tag 0x%08x", got, name, tag));
        }
    }

    /**
     * Checks that the last field has been read.
     *
     * @throws StateFormatException when bytes are left
     */
    public void expectEnd() throws StateFormatException {
        if (in.hasRemaining()) throw corrupt(in.position(), in.remaining() + " bytes follow the end of the state");
    }

    /**
     * Where the next field starts, to name it in a later {@link #corrupt(int, String)}.
     *
     * @return the offset in the bytes (not counting the base)
     */
    public int position() { return in.position(); }

    /**
     * A refusal of the field at {@code at}.
     *
     * @param at the field's offset in the bytes, from {@link #position()}
     * @param problem what is wrong with it
     * @return the exception to throw, its message naming the bytes and the offset
     */
    public StateFormatException corrupt(int at, String problem) {
        return new StateFormatException(what + " at byte " + (base + at) + ": " + problem);
    }

    /**
     * A refusal of the field just read.
     *
     * @param problem what is wrong with it
     * @return the exception to throw, its message naming the bytes and the offset reached
     */
    public StateFormatException corrupt(String problem) {
        return corrupt(in.position(), problem);
    }

    private void need(int n, String field) throws StateFormatException {
        if (in.remaining() < n) {
            throw corrupt(in.position(), "truncated: " + field + " needs " + n + " bytes, " + in.remaining() + " left");
        }
    }
}
