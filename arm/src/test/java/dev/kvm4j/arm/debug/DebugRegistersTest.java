package dev.kvm4j.arm.debug;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DebugRegistersTest {
    @Test
    void a64BreakpointIsEnabledForEl1AndEl0OnAllFourBytes() {
        var s = DebugRegisters.breakpoint(0xffff_8000_1000_0004L, InstructionSet.A64);
        assertEquals(0x1e7, s.control(), "E | PMC=0b11 | BAS=0xF, as QEMU writes it");
        assertEquals(0xffff_8000_1000_0004L, s.value());
        assertThrows(IllegalArgumentException.class, () -> DebugRegisters.breakpoint(0x1002, InstructionSet.A64));
    }

    @Test
    void thumbBreakpointMatchesTheHalfwordItStartsIn() {
        assertEquals(new DebugRegisters.Slot(0x8000, 1 | 6 | 0b0011 << 5), DebugRegisters.breakpoint(0x8000, InstructionSet.T32));
        assertEquals(new DebugRegisters.Slot(0x8000, 1 | 6 | 0b1100 << 5), DebugRegisters.breakpoint(0x8002, InstructionSet.T32));
    }

    @Test
    void watchpointsUseByteLanesInsideADoublewordAndAMaskForAlignedPowersOfTwo() {
        var w8 = DebugRegisters.watchpoint(0x1000, 8, WatchKind.WRITE).orElseThrow();
        assertEquals(0x1000, w8.value());
        assertEquals(1 | 6 | 0b10 << 3 | 0xff << 5, w8.control());
        var w4 = DebugRegisters.watchpoint(0x1004, 4, WatchKind.READ).orElseThrow();
        assertEquals(0x1000, w4.value());
        assertEquals(1 | 6 | 0b01 << 3 | 0xf0 << 5, w4.control());
        var w1 = DebugRegisters.watchpoint(0x1007, 1, WatchKind.ACCESS).orElseThrow();
        assertEquals(1 | 6 | 0b11 << 3 | 0x80 << 5, w1.control());
        var w64 = DebugRegisters.watchpoint(0x2040, 64, WatchKind.WRITE).orElseThrow();
        assertEquals(0x2040, w64.value());
        assertEquals(1 | 6 | 0b10 << 3 | 0xff << 5 | 6 << 24, w64.control(), "MASK = log2(64)");

        assertTrue(DebugRegisters.watchpoint(0x1006, 4, WatchKind.WRITE).isEmpty(), "crosses a doubleword");
        assertTrue(DebugRegisters.watchpoint(0x2008, 16, WatchKind.WRITE).isEmpty(), "not aligned to its size");
        assertTrue(DebugRegisters.watchpoint(0x2000, 24, WatchKind.WRITE).isEmpty(), "not a power of two");
        assertTrue(DebugRegisters.watchpoint(0, 1L << 32, WatchKind.WRITE).isEmpty(), "more than 2 GiB");
        assertTrue(DebugRegisters.watchpoint(0x1000, 0, WatchKind.WRITE).isEmpty());
    }

    @Test
    void aFarMatchesTheWatchedBytesOnly() {
        var w4 = DebugRegisters.watchpoint(0x1004, 4, WatchKind.WRITE).orElseThrow();
        assertTrue(DebugRegisters.watches(w4, 0x1004));
        assertTrue(DebugRegisters.watches(w4, 0x1007));
        assertFalse(DebugRegisters.watches(w4, 0x1003));
        var w64 = DebugRegisters.watchpoint(0x2040, 64, WatchKind.WRITE).orElseThrow();
        assertTrue(DebugRegisters.watches(w64, 0x207f));
        assertFalse(DebugRegisters.watches(w64, 0x2080));
    }

    @Test
    void slotsFillInOrderAndFreeByAddress() {
        HardwareDebug hw = new HardwareDebug(2, 1);
        assertEquals(0, hw.insertBreakpoint(0x1000, InstructionSet.A64).orElseThrow());
        assertEquals(0, hw.insertBreakpoint(0x1000, InstructionSet.A64).orElseThrow(), "the same address takes no second slot");
        assertEquals(1, hw.insertBreakpoint(0x2000, InstructionSet.A64).orElseThrow());
        assertTrue(hw.insertBreakpoint(0x3000, InstructionSet.A64).isEmpty(), "two slots only");
        assertTrue(hw.removeBreakpoint(0x1000));
        assertEquals(0, hw.insertBreakpoint(0x3000, InstructionSet.A64).orElseThrow());
        assertTrue(hw.insertWatchpoint(0x4000, 8, WatchKind.WRITE).isPresent());
        assertTrue(hw.insertWatchpoint(0x5000, 8, WatchKind.WRITE).isEmpty());
        assertEquals(0x4000, hw.watchpointAt(0x4004).orElseThrow().address());
        assertFalse(hw.removeWatchpoint(0x4000, 8, WatchKind.READ), "the kind is part of the key");
    }

    @Test
    void theIoctlArgumentCarriesControlBitsAndEverySlot() {
        HardwareDebug hw = new HardwareDebug(16, 16);
        hw.insertBreakpoint(0x1000, InstructionSet.A64);
        hw.insertBreakpoint(0x2000, InstructionSet.A64);
        hw.insertWatchpoint(0x3000, 8, WatchKind.READ);
        try (Arena a = Arena.ofConfined()) {
            var s = GuestDebug.encode(a, new GuestDebug.Control(true, true, hw));
            assertEquals(DebugAbi.KVM_GUESTDBG_ENABLE | DebugAbi.KVM_GUESTDBG_SINGLESTEP | DebugAbi.KVM_GUESTDBG_USE_SW_BP | DebugAbi.KVM_GUESTDBG_USE_HW,
                    s.get(ValueLayout.JAVA_INT, 0));
            assertEquals(0x2000, s.get(ValueLayout.JAVA_LONG, GuestDebug.arch("dbg_bvr", 1)));
            assertEquals(0x1e7, s.get(ValueLayout.JAVA_LONG, GuestDebug.arch("dbg_bcr", 1)));
            assertEquals(0, s.get(ValueLayout.JAVA_LONG, GuestDebug.arch("dbg_bcr", 2)));
            assertEquals(0x3000, s.get(ValueLayout.JAVA_LONG, GuestDebug.arch("dbg_wvr", 0)));
            assertEquals(1 | 6 | 1 << 3 | 0xff << 5, s.get(ValueLayout.JAVA_LONG, GuestDebug.arch("dbg_wcr", 0)));
        }
        assertEquals(0, GuestDebug.Control.OFF.bits(), "nothing asked turns debugging off");
        assertEquals(DebugAbi.KVM_GUESTDBG_ENABLE | DebugAbi.KVM_GUESTDBG_USE_SW_BP, new GuestDebug.Control(false, true, new HardwareDebug(2, 2)).bits(),
                "empty hardware slots do not ask for USE_HW");
    }
}
