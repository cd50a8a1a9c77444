package dev.kvm4j.vmm.gdb;

import java.util.HexFormat;

/** The protocol's hex: lower-case pairs for bytes, big-endian digits for numbers. Parsing never throws unchecked. */
final class Hex {
    private static final HexFormat HEX = HexFormat.of();

    private Hex() {}

    static String bytes(byte[] b) { return HEX.formatHex(b); }

    /** Bytes from pairs of hex digits, or null when {@code s} is not that. */
    static byte[] parseBytes(CharSequence s) {
        if (s.length() % 2 != 0) return null;
        byte[] b = new byte[s.length() / 2];
        for (int i = 0; i < b.length; i++) {
            int hi = Character.digit(s.charAt(2 * i), 16), lo = Character.digit(s.charAt(2 * i + 1), 16);
            if (hi < 0 || lo < 0) return null;
            b[i] = (byte) (hi << 4 | lo);
        }
        return b;
    }

    /** An unsigned number of at most 16 hex digits, or null. */
    static Long parseNumber(String s) {
        if (s.isEmpty() || s.length() > 16) return null;
        long v = 0;
        for (int i = 0; i < s.length(); i++) {
            int d = Character.digit(s.charAt(i), 16);
            if (d < 0) return null;
            v = v << 4 | d;
        }
        return v;
    }

    static String number(long v) { return Long.toHexString(v); }

    /** {@code value}'s low {@code size} bytes, little-endian (how registers travel). */
    static byte[] littleEndian(long value, int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size && i < 8; i++) b[i] = (byte) (value >>> (8 * i));
        return b;
    }

    static long fromLittleEndian(byte[] b) {
        long v = 0;
        for (int i = Math.min(8, b.length) - 1; i >= 0; i--) v = v << 8 | (b[i] & 0xff);
        return v;
    }
}
