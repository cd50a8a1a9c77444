package dev.kvm4j.arm.debug;

import dev.kvm4j.kvm.GuestMemory;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DebugExitTest {
    private static long esr(int ec, int iss) { return (long) ec << 26 | 1L << 25 | iss; }

    @Test
    void eachExceptionClassBecomesItsReason() {
        try (GuestMemory ram = GuestMemory.allocate(0x4000_0000L, 0x1000)) {
            SoftwareBreakpoints table = new SoftwareBreakpoints(PhysicalMemory.of(ram));
            table.insert(0x4000_0010L, 0x4000_0010L, InstructionSet.A64);
            table.insert(0x4000_0020L, 0x4000_0020L, InstructionSet.T32);

            assertEquals(new DebugReason.SoftwareBreakpoint(0x4000_0010L, InstructionSet.A64), DebugExit.decode(esr(0x3c, 0), 0, 0x4000_0010L, table));
            assertEquals(new DebugReason.GuestBreak(0x4000_0014L, esr(0x3c, 0x800), 0x800), DebugExit.decode(esr(0x3c, 0x800), 0, 0x4000_0014L, table),
                    "a BRK where we patched none is the guest's");
            assertEquals(new DebugReason.SoftwareBreakpoint(0x4000_0020L, InstructionSet.T32), DebugExit.decode(esr(0x38, 0), 0, 0x4000_0020L, table));
            assertTrue(DebugExit.decode(esr(0x38, 5), 0, 0x4000_0030L, table) instanceof DebugReason.GuestBreak);
            assertEquals(new DebugReason.HardwareBreakpoint(0x1234), DebugExit.decode(esr(0x30, 0x22), 0, 0x1234, table));
            assertEquals(new DebugReason.SingleStep(0x1238), DebugExit.decode(esr(0x32, 0x22), 0, 0x1238, table));
            assertEquals(new DebugReason.Watchpoint(0x123c, 0x9000, true), DebugExit.decode(esr(0x34, 0x40 | 0x22), 0x9000, 0x123c, table));
            assertEquals(new DebugReason.Watchpoint(0x123c, 0x9000, false), DebugExit.decode(esr(0x34, 0x22), 0x9000, 0x123c, table));
            assertEquals(new DebugReason.Unknown(0x1240, esr(0x15, 0)), DebugExit.decode(esr(0x15, 0), 0, 0x1240, table));
        }
    }

    @Test
    void theVectorOffsetFollowsTheStateTheExceptionCameFrom() {
        assertEquals(0x200, ExceptionInjector.vectorOffset(0x3c5), "EL1h");
        assertEquals(0x000, ExceptionInjector.vectorOffset(0x3c4), "EL1t");
        assertEquals(0x400, ExceptionInjector.vectorOffset(0x0), "EL0 AArch64");
        assertEquals(0x600, ExceptionInjector.vectorOffset(0x10), "EL0 AArch32");
    }
}
