package dev.kvm4j.vmm;

import java.util.Locale;

/** Byte sizes as users type them ({@code 512M}, {@code 1G}) and as messages show them ({@code 512 MiB}). */
public final class Sizes {
    private Sizes() {}

    private static final String[] UNITS = {"KiB", "MiB", "GiB", "TiB"};

    /**
     * Parses a decimal number with an optional binary suffix K, M, G or T (also KiB/KB…, any case).
     *
     * @param text what the user typed
     * @return the size in bytes
     * @throws IllegalArgumentException with a message fit to show the user as is
     */
    public static long parse(String text) {
        String s = text.strip().toUpperCase(Locale.ROOT);
        if (s.endsWith("IB")) s = s.substring(0, s.length() - 2);
        else if (s.endsWith("B")) s = s.substring(0, s.length() - 1);
        int shift = 0;
        if (!s.isEmpty()) {
            switch (s.charAt(s.length() - 1)) {
                case 'K' -> shift = 10;
                case 'M' -> shift = 20;
                case 'G' -> shift = 30;
                case 'T' -> shift = 40;
                default -> { }
            }
        }
        if (shift != 0) s = s.substring(0, s.length() - 1);
        if (s.isEmpty() || !s.chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException("'" + text + "' is not a size: expected a whole number with an optional suffix K, M, G or T (e.g. 512M, 1G)");
        }
        try {
            long n = Long.parseLong(s);
            if (n > (Long.MAX_VALUE >> shift)) throw new NumberFormatException();
            return n << shift;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is too large a size");
        }
    }

    /**
     * {@code 512 MiB}, {@code 1.5 GiB}, {@code 300 bytes}: exact when the size is a whole number of units.
     *
     * @param bytes the size
     * @return the text
     */
    public static String format(long bytes) {
        if (Math.abs(bytes) < 1024) return bytes + (bytes == 1 ? " byte" : " bytes");
        int unit = 0;
        double value = bytes / 1024.0;
        while (unit < UNITS.length - 1 && Math.abs(value) >= 1024) {
            value /= 1024;
            unit++;
        }
        long whole = (long) value;
        if (whole == value) return whole + " " + UNITS[unit];
        return String.format(Locale.ROOT, "%.1f %s", value, UNITS[unit]);
    }
}
