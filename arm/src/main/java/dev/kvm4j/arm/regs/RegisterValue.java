package dev.kvm4j.arm.regs;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * An immutable register value of 1 to 256 bytes, little-endian as KVM_GET_ONE_REG writes it, read as an
 * unsigned integer. 128-bit values (V0–V31) are two 64-bit halves; SVE slices are longer byte strings.
 */
public final class RegisterValue {
    private final byte[] bytes;

    private RegisterValue(byte[] bytes) { this.bytes = bytes; }

    /**
     * The value of {@code size} bytes (1, 2, 4 or 8) holding the low bytes of {@code value}.
     *
     * @param value the value
     * @param size 1, 2, 4 or 8
     * @return the register value
     * @throws IllegalArgumentException for another size
     */
    public static RegisterValue of(long value, int size) {
        if (size != 1 && size != 2 && size != 4 && size != 8) throw new IllegalArgumentException("a long fills 1, 2, 4 or 8 bytes, not " + size);
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) b[i] = (byte) (value >>> (8 * i));
        return new RegisterValue(b);
    }

    /**
     * A 128-bit value from its halves.
     *
     * @param low bits 63:0
     * @param high bits 127:64
     * @return the register value
     */
    public static RegisterValue of128(long low, long high) {
        byte[] b = new byte[16];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (low >>> (8 * i));
            b[8 + i] = (byte) (high >>> (8 * i));
        }
        return new RegisterValue(b);
    }

    /**
     * A value of exactly these little-endian bytes (copied).
     *
     * @param littleEndian 1 to 256 bytes, a power of two
     * @return the register value
     * @throws IllegalArgumentException for another length
     */
    public static RegisterValue ofBytes(byte[] littleEndian) {
        int n = littleEndian.length;
        if (n < 1 || n > 256 || Integer.bitCount(n) != 1) throw new IllegalArgumentException("register values are 1..256 bytes, a power of two; got " + n);
        return new RegisterValue(littleEndian.clone());
    }

    /**
     * Zero of {@code size} bytes.
     *
     * @param size 1 to 256, a power of two
     * @return the register value
     */
    public static RegisterValue zero(int size) { return ofBytes(new byte[size]); }

    /** {@return the size in bytes} */
    public int size() { return bytes.length; }

    /** {@return a copy of the little-endian bytes} */
    public byte[] bytes() { return bytes.clone(); }

    /**
     * The 64 bits starting at bit {@code 64 * half}; bits past the value's size read as zero.
     *
     * @param half which 64-bit word, from 0
     * @return its bits
     */
    public long word(int half) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            int at = 8 * half + i;
            if (at < bytes.length) v |= (bytes[at] & 0xffL) << (8 * i);
        }
        return v;
    }

    /**
     * The value as a long; only for values of at most 8 bytes, so no bits are dropped silently.
     *
     * @return the value, zero-extended
     * @throws IllegalStateException for a value wider than 64 bits
     */
    public long asLong() {
        if (bytes.length > 8) throw new IllegalStateException("a " + bytes.length * 8 + "-bit value does not fit a long; use word(n)");
        return word(0);
    }

    /**
     * This value with the 64 bits at {@code 64 * half} replaced where {@code mask} is set.
     *
     * @param half which 64-bit word, from 0
     * @param mask the bits to replace
     * @param bits their new values
     * @return the new value (this one is unchanged)
     * @throws IndexOutOfBoundsException if the value has no such word
     */
    public RegisterValue withWord(int half, long mask, long bits) {
        if (8 * half >= bytes.length) throw new IndexOutOfBoundsException("64-bit word " + half + " of a " + bytes.length + "-byte value");
        long w = (word(half) & ~mask) | (bits & mask);
        byte[] b = bytes.clone();
        for (int i = 0; i < 8 && 8 * half + i < b.length; i++) b[8 * half + i] = (byte) (w >>> (8 * i));
        return new RegisterValue(b);
    }

    /** {@return the value as an unsigned integer} */
    public BigInteger toBigInteger() {
        byte[] be = new byte[bytes.length + 1];
        for (int i = 0; i < bytes.length; i++) be[be.length - 1 - i] = bytes[i];
        return new BigInteger(be);
    }

    @Override
    public boolean equals(Object o) { return o instanceof RegisterValue v && Arrays.equals(bytes, v.bytes); }

    @Override
    public int hashCode() { return Arrays.hashCode(bytes); }

    /** Unsigned hex without leading zeros: {@code 0x30d00800}. */
    @Override
    public String toString() {
        byte[] be = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) be[i] = bytes[bytes.length - 1 - i];
        String hex = HexFormat.of().formatHex(be).replaceFirst("^0+(?=.)", "");
        return "0x" + hex;
    }
}
