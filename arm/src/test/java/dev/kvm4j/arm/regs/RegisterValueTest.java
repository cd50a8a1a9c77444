package dev.kvm4j.arm.regs;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RegisterValueTest {
    @Test
    void printsUnsignedHexWithoutLeadingZeros() {
        assertEquals("0x30d00800", RegisterValue.of(0x30d00800L, 8).toString());
        assertEquals("0x0", RegisterValue.of(0, 4).toString());
        assertEquals("0xffffffffffffffff", RegisterValue.of(-1L, 8).toString());
        assertEquals("0x10000000000000002", RegisterValue.of128(2, 1).toString());
    }

    @Test
    void halvesOf128BitValues() {
        RegisterValue v = RegisterValue.of128(0x1111L, 0x2222L);
        assertEquals(0x1111L, v.word(0));
        assertEquals(0x2222L, v.word(1));
        assertEquals(RegisterValue.of128(0x1111L, 0x22ffL), v.withWord(1, 0xffL, 0xffffL));
        assertEquals(new BigInteger("2222000000000000" + "1111", 16), v.toBigInteger());
        assertThrows(IllegalStateException.class, v::asLong);
    }

    @Test
    void cutsLongsToTheRegisterSize() {
        assertEquals(0x89abcdefL, RegisterValue.of(0x0123456789abcdefL, 4).asLong());
        assertEquals(4, RegisterValue.of(0, 4).size());
    }
}
