package dev.kvm4j.arm.gic;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The parts of the test guest computed rather than pasted from objdump, against objdump. */
class IrqGuestCodeTest {
    @Test
    void strXMatchesTheAssembler() {
        assertEquals(0xf90100ea, IrqGuestCode.strX(10, 7, 0x200)); // str x10, [x7, #512]
        assertEquals(0xf90000ea, IrqGuestCode.strX(10, 7, 0));
    }

    @Test
    void handlerSitsAtTheIrqVectorAndOtherVectorsReportTheirOffset() {
        int[] image = IrqGuestCode.image(GicVersion.V3);
        assertEquals((0x800 + 0x800) / 4, image.length);
        assertEquals(IrqGuestCode.V3_HANDLER[0], image[(0x800 + 0x280) / 4]);
        assertEquals(IrqGuestCode.strX(10, 7, 0x200), image[(0x800 + 0x200) / 4 + 1]);
    }
}
