package dev.kvm4j.arm.cpu;

import dev.kvm4j.arm.regs.CoreRegister;
import dev.kvm4j.arm.regs.RegisterId;
import dev.kvm4j.arm.regs.RegisterValue;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The bank without a kernel: order, values, and the three images. */
class RegisterBankTest {
    private static final RegisterId SCTLR = RegisterId.parse("SCTLR_EL1"), CCSIDR0 = RegisterId.parse("CCSIDR_EL1[0]"),
            Z1 = RegisterId.parse("Z1"), FW = RegisterId.parse("PSCI_VERSION");

    @Test
    void theTupleListIsSortedAsTheKernelSortsIds() {
        RegisterBank b = RegisterBank.tupleList(List.of(Z1, FW, SCTLR, CCSIDR0));
        assertEquals(List.of(CCSIDR0, SCTLR, FW, Z1), b.ids(), "32-bit first, then 64-bit, then the 2048-bit slice");
    }

    @Test
    void coreRegistersKeepStructKvmRegsOrderSoPstateFollowsTheXRegisters() {
        RegisterBank b = RegisterBank.core(List.of(CoreRegister.PSTATE, CoreRegister.V0, CoreRegister.X30, CoreRegister.PC));
        assertEquals(List.of(CoreRegister.X30.registerId(), CoreRegister.PC.registerId(), CoreRegister.PSTATE.registerId(), CoreRegister.V0.registerId()), b.ids());
    }

    @Test
    void valuesOfAnySizeRoundTripAndResetAndMigrationImagesAreCopies() {
        RegisterBank b = RegisterBank.tupleList(List.of(SCTLR, CCSIDR0, Z1));
        byte[] z = new byte[256];
        for (int i = 0; i < z.length; i++) z[i] = (byte) i;
        b.set(SCTLR, RegisterValue.of(0x30d00800L, 8));
        b.set(CCSIDR0, RegisterValue.of(0x700fe01aL, 4));
        b.set(Z1, RegisterValue.ofBytes(z));
        b.captureResetValues();
        b.set(SCTLR, RegisterValue.of(1, 8));
        b.captureMigrationCopy();
        assertEquals(0x30d00800L, b.resetValues().getLong(SCTLR));
        assertEquals(1, b.migrationCopy().getLong(SCTLR));
        assertEquals(RegisterValue.ofBytes(z), b.values(SyncLevel.FULL).get(Z1));
        b.restoreResetValues();
        assertEquals(0x30d00800L, b.value(SCTLR).asLong());
        assertEquals(0x700fe01aL, b.value(CCSIDR0).asLong());
    }

    @Test
    void valuesReadAtALevelAreThoseItMoves() {
        RegisterBank b = RegisterBank.tupleList(List.of(SCTLR, CCSIDR0, RegisterId.parse("CNTVCT_EL0"), RegisterId.parse("MPIDR_EL1")));
        assertEquals(List.of(SCTLR), b.values(SyncLevel.RUNTIME).ids());
        assertEquals(List.of(RegisterId.parse("MPIDR_EL1"), SCTLR), b.values(SyncLevel.RESET).ids());
        assertEquals(4, b.values(SyncLevel.FULL).size());
    }

    @Test
    void aValueOfTheWrongSizeOrAnUnlistedIdIsRefused() {
        RegisterBank b = RegisterBank.tupleList(List.of(SCTLR));
        assertThrows(IllegalArgumentException.class, () -> b.set(SCTLR, RegisterValue.of(1, 4)));
        assertThrows(IllegalArgumentException.class, () -> b.value(CCSIDR0));
        assertThrows(IllegalArgumentException.class, () -> RegisterBank.tupleList(List.of(SCTLR, SCTLR)));
    }
}
