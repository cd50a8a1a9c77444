package dev.kvm4j.arm.regs;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CpuStateTest {
    private static final RegisterId SCTLR = RegisterId.parse("SCTLR_EL1");

    @Test
    void diffReadsAsNameOldArrowNew() {
        CpuState before = CpuState.empty().with(SCTLR, 0x30d00800L).with(CoreRegister.X0, 1);
        CpuState after = before.with(SCTLR, 0x30d0180dL);
        assertEquals("SCTLR_EL1: 0x30d00800 → 0x30d0180d", before.describeDiff(after));
        assertEquals("", before.describeDiff(before));
    }

    @Test
    void diffListsCoreRegistersFirstAndAbsentRegisters() {
        CpuState a = CpuState.empty().with(SCTLR, 1).with(CoreRegister.V3, RegisterValue.of128(1, 2));
        CpuState b = CpuState.empty().with(SCTLR, 2).with(CoreRegister.X1, 7).with(CoreRegister.V3, RegisterValue.of128(1, 3));
        assertEquals(List.of("X1: (absent) → 0x7", "V3: 0x20000000000000001 → 0x30000000000000001", "SCTLR_EL1: 0x1 → 0x2"),
                a.diff(b).stream().map(RegisterChange::toString).toList());
        assertEquals("V3: 0x30000000000000001 → (absent)", b.without(CoreRegister.X1.registerId()).without(SCTLR)
                .describeDiff(CpuState.empty()));
    }

    @Test
    void statesAreImmutableValues() {
        CpuState a = CpuState.empty().with(CoreRegister.PC, 0x40000000L);
        CpuState b = a.with(CoreRegister.PC, 0x40000004L);
        assertEquals(0x40000000L, a.getLong(CoreRegister.PC));
        assertEquals(0x40000004L, b.getLong(CoreRegister.PC));
        assertNotEquals(a, b);
        assertEquals(a, CpuState.of(Map.of(CoreRegister.PC.registerId(), RegisterValue.of(0x40000000L, 8))));
        assertThrows(UnsupportedOperationException.class, () -> a.values().clear());
    }

    @Test
    void splitsCoreFromTheTupleList() {
        CpuState s = CpuState.empty().with(SCTLR, 5).with(CoreRegister.FPSR, 1).with(RegisterId.ccsidr(0), 9);
        assertEquals(List.of(CoreRegister.FPSR.registerId()), List.copyOf(s.core().keySet()));
        assertEquals(2, s.others().size());
        assertEquals(4, s.get(CoreRegister.FPSR).size());
        assertEquals(0x5L, s.get("sctlr_el1").asLong());
    }

    @Test
    void rejectsValuesOfTheWrongSize() {
        var e = assertThrows(IllegalArgumentException.class, () -> CpuState.empty().with(CoreRegister.V0.registerId(), RegisterValue.of(1, 8)));
        assertTrue(e.getMessage().startsWith("V0 is 16 bytes"), e.getMessage());
    }
}
