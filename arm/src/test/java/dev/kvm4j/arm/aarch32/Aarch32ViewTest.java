package dev.kvm4j.arm.aarch32;

import dev.kvm4j.arm.regs.CoreRegister;
import dev.kvm4j.arm.regs.CpuState;
import dev.kvm4j.arm.regs.RegisterValue;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static dev.kvm4j.arm.regs.CoreRegister.*;
import static java.util.Map.entry;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The AArch32 view over AArch64 core registers, against the Arm ARM's mapping table written out here. */
class Aarch32ViewTest {
    /** Arm ARM, "Mapping of the AArch32 registers to the AArch64 registers", and KVM's spsr[] slots. */
    private static final Map<String, CoreRegister> ARCHITECTURE = Map.ofEntries(
            entry("r8_usr", X8), entry("r9_usr", X9), entry("r10_usr", X10), entry("r11_usr", X11), entry("r12_usr", X12),
            entry("sp_usr", X13), entry("lr_usr", X14), entry("sp_hyp", X15),
            entry("lr_irq", X16), entry("sp_irq", X17), entry("lr_svc", X18), entry("sp_svc", X19),
            entry("lr_abt", X20), entry("sp_abt", X21), entry("lr_und", X22), entry("sp_und", X23),
            entry("r8_fiq", X24), entry("r9_fiq", X25), entry("r10_fiq", X26), entry("r11_fiq", X27), entry("r12_fiq", X28),
            entry("sp_fiq", X29), entry("lr_fiq", X30),
            entry("spsr_svc", SPSR_EL1), entry("spsr_abt", SPSR_ABT), entry("spsr_und", SPSR_UND),
            entry("spsr_irq", SPSR_IRQ), entry("spsr_fiq", SPSR_FIQ));

    /** Every core register holds a distinct value: x_n = 0x100 + n, V_n halves 0xd00 + 2n and 0xd00 + 2n + 1. */
    private static CpuState state(Aarch32Mode mode) {
        CpuState s = CpuState.empty();
        for (int n = 0; n <= 30; n++) s = s.with(x(n), 0xffffffff_00000100L + n);
        for (int n = 0; n < 32; n++) s = s.with(v(n), RegisterValue.of128(0xd00 + 2 * n, 0xd00 + 2 * n + 1));
        for (int i = 0; i < 5; i++) s = s.with(spsr(i), 0x500 + i);
        return s.with(SP, 0).with(PC, 0x40000000L).with(PSTATE, 0x1c0 | mode.bits()).with(FPSR, 0).with(FPCR, 0);
    }

    @Test
    void everyBankedRegisterLivesWhereTheArchitectureSays() {
        CpuState s = state(Aarch32Mode.SVC);
        for (var e : ARCHITECTURE.entrySet()) {
            assertEquals(s.getLong(e.getValue()) & 0xffffffffL, Aarch32View.read(s, e.getKey()), e.getKey());
            assertEquals(e.getValue(), Aarch32Banked.valueOf(e.getKey().toUpperCase()).holder(), e.getKey());
        }
        assertEquals(ARCHITECTURE.size(), Aarch32Banked.values().length);
    }

    @Test
    void r13InSvcModeIsSpSvcAndSwitchingModeSwitchesTheBank() {
        CpuState svc = state(Aarch32Mode.SVC);
        assertEquals(Aarch32View.read(svc, "sp_svc"), Aarch32View.read(svc, "r13"));
        assertEquals(Aarch32View.read(svc, "lr_svc"), Aarch32View.read(svc, "lr"));
        assertEquals(Aarch32View.read(svc, "spsr_svc"), Aarch32View.read(svc, "spsr"));
        CpuState irq = Aarch32View.withMode(svc, Aarch32Mode.IRQ);
        assertEquals(Aarch32Mode.IRQ, Aarch32View.mode(irq));
        assertEquals(0x100 + 17, Aarch32View.read(irq, "r13"));
        assertEquals(0x100 + 16, Aarch32View.read(irq, "r14"));
        assertEquals(0x503, Aarch32View.read(irq, "spsr"));
        CpuState viaCpsr = Aarch32View.write(svc, "cpsr", 0x1d7);
        assertEquals(Aarch32View.read(viaCpsr, "sp_abt"), Aarch32View.read(viaCpsr, "sp"));
    }

    @Test
    void fiqModeHasItsOwnR8ToR12AndOthersSeeUsr() {
        for (Aarch32Mode mode : Aarch32Mode.values()) {
            CpuState s = state(mode);
            for (int r = 8; r <= 12; r++) {
                long expected = 0x100 + (mode == Aarch32Mode.FIQ ? 16 + r : r);
                assertEquals(expected, Aarch32View.read(s, "r" + r), mode + " r" + r);
            }
            for (int r = 0; r <= 7; r++) assertEquals(0x100 + r, Aarch32View.read(s, "r" + r));
            assertEquals(0x40000000L, Aarch32View.read(s, "pc"));
        }
    }

    @Test
    void userAndSystemModesShareTheUsrBankAndHaveNoSpsr() {
        for (Aarch32Mode mode : new Aarch32Mode[] {Aarch32Mode.USR, Aarch32Mode.SYS}) {
            CpuState s = state(mode);
            assertEquals(0x100 + 13, Aarch32View.read(s, "sp"));
            assertEquals(0x100 + 14, Aarch32View.read(s, "lr"));
            var e = assertThrows(IllegalArgumentException.class, () -> Aarch32View.read(s, "spsr"));
            assertTrue(e.getMessage().contains("has no SPSR"), e.getMessage());
        }
        assertEquals(0x100 + 15, Aarch32View.read(state(Aarch32Mode.HYP), "r13"));
    }

    @Test
    void writingR13WritesOnlyTheCurrentBankAndOnlyItsLow32Bits() {
        CpuState abt = state(Aarch32Mode.ABT);
        CpuState after = Aarch32View.write(abt, "r13", 0xcafe0000L);
        assertEquals("X21: 0xffffffff00000115 → 0xffffffffcafe0000", abt.describeDiff(after));
    }

    @Test
    void dRegistersArePackedTwoPerVRegister() {
        CpuState s = state(Aarch32Mode.SVC);
        for (int d = 0; d < 32; d++) assertEquals(0xd00 + d, Aarch32View.read(s, "d" + d), "d" + d);
        CpuState w = Aarch32View.write(s, "d7", 0x1122334455667788L);
        assertEquals(RegisterValue.of128(0xd06, 0x1122334455667788L), w.get(V3));
        assertThrows(IllegalArgumentException.class, () -> Aarch32View.read(s, "d32"));
    }

    @Test
    void fpscrIsSplitIntoFpsrAndFpcrAndOtherBitsSurvive() {
        CpuState s = state(Aarch32Mode.SVC).with(FPSR, 0x0).with(FPCR, 0x7); // FPCR bits 2:0 are not FPSCR bits
        CpuState w = Aarch32View.write(s, "fpscr", 0xa3c0009fL);
        assertEquals(0xa000009fL, w.getLong(FPSR));
        assertEquals(0x03c00007L, w.getLong(FPCR));
        assertEquals(0xa3c0009fL, Aarch32View.read(w, "fpscr"));
    }

    @Test
    void aarch64StateHasNoModeButModeFreeNamesStillRead() {
        CpuState s = state(Aarch32Mode.SVC).with(PSTATE, 0x3c5);
        var e = assertThrows(IllegalArgumentException.class, () -> Aarch32View.read(s, "r13"));
        assertTrue(e.getMessage().contains("AArch64"), e.getMessage());
        assertEquals(0x3c5, Aarch32View.read(s, "cpsr"));
        assertEquals(0xd00, Aarch32View.read(s, "d0"));
        assertThrows(IllegalArgumentException.class, () -> Aarch32Mode.of(0x16));
    }

    @Test
    void r13AndR14AliasesOfBankedNames() {
        CpuState s = state(Aarch32Mode.USR);
        assertEquals(Aarch32View.read(s, "sp_fiq"), Aarch32View.read(s, "r13_fiq"));
        assertEquals(Aarch32View.read(s, "lr_und"), Aarch32View.read(s, "R14_UND"));
        assertThrows(IllegalArgumentException.class, () -> Aarch32View.read(s, "r16"));
    }
}
