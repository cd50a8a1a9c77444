package dev.kvm4j.vmm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.*;

class SizesTest {
    @ParameterizedTest
    @CsvSource({"512M, 536870912", "1G, 1073741824", "1g, 1073741824", "2GiB, 2147483648", "64KB, 65536",
            "4096, 4096", "4096B, 4096", "1T, 1099511627776", "' 8M ', 8388608"})
    void parsesBinarySuffixes(String text, long bytes) {
        assertEquals(bytes, Sizes.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "M", "abc", "12X", "-1", "1.5G", "0x100", "1 G"})
    void refusesWhatIsNotASize(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Sizes.parse(text));
        assertEquals("'" + text + "' is not a size: expected a whole number with an optional suffix K, M, G or T (e.g. 512M, 1G)", e.getMessage());
    }

    @Test
    void refusesOverflow() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Sizes.parse("99999999999T")).getMessage().contains("too large"));
        assertThrows(IllegalArgumentException.class, () -> Sizes.parse("99999999999999999999"));
    }

    @Test
    void formatsExactlyWhenItCan() {
        assertEquals("512 MiB", Sizes.format(512L << 20));
        assertEquals("1 GiB", Sizes.format(1L << 30));
        assertEquals("1.5 GiB", Sizes.format(3L << 29));
        assertEquals("4 KiB", Sizes.format(4096));
        assertEquals("300 bytes", Sizes.format(300));
        assertEquals("1 byte", Sizes.format(1));
    }
}
