package dev.kvm4j.arm.cpu;

import dev.kvm4j.arm.regs.RegisterId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import static dev.kvm4j.arm.cpu.RegisterClass.*;
import static dev.kvm4j.arm.cpu.SyncLevel.FULL;
import static dev.kvm4j.arm.cpu.SyncLevel.RESET;
import static dev.kvm4j.arm.cpu.SyncLevel.RUNTIME;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sync-level table: which register is moved at which level. */
class RegisterClassTest {
    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource({
            "X0, CORE", "PC, CORE", "PSTATE, CORE", "SP_EL1, CORE", "SPSR_FIQ, CORE",
            "V0, FP_SIMD", "V31, FP_SIMD", "FPSR, FP_SIMD", "FPCR, FP_SIMD",
            "Z0, SVE_DATA", "P15, SVE_DATA", "FFR, SVE_DATA", "SVE_VLS, SVE_CONFIG",
            "SCTLR_EL1, GUEST_SYSREG", "TPIDR_EL1, GUEST_SYSREG", "TPIDR_EL0, GUEST_SYSREG", "CSSELR_EL1, GUEST_SYSREG",
            "CNTV_CTL_EL0, GUEST_SYSREG", "CNTV_CVAL_EL0, GUEST_SYSREG", "CNTKCTL_EL1, GUEST_SYSREG",
            "DACR32_EL2, GUEST_SYSREG", "MDSCR_EL1, GUEST_SYSREG", "PMCR_EL0, GUEST_SYSREG", "OSLSR_EL1, GUEST_SYSREG",
            "PMINTENSET_EL1, PMU_SET", "PMCNTENSET_EL0, PMU_SET", "PMOVSSET_EL0, PMU_SET",
            "PMINTENCLR_EL1, PMU_CLEAR_ALIAS", "PMCNTENCLR_EL0, PMU_CLEAR_ALIAS", "PMOVSCLR_EL0, PMU_CLEAR_ALIAS",
            "MPIDR_EL1, VCPU_CONFIG", "ACTLR_EL1, VCPU_CONFIG",
            "MIDR_EL1, ID_REGISTER", "REVIDR_EL1, ID_REGISTER", "AIDR_EL1, ID_REGISTER", "CLIDR_EL1, ID_REGISTER",
            "CTR_EL0, ID_REGISTER", "DCZID_EL0, ID_REGISTER", "ID_AA64PFR0_EL1, ID_REGISTER", "ID_PFR0_EL1, ID_REGISTER",
            "S3_0_C0_C3_3, ID_REGISTER", "PMCEID0_EL0, ID_REGISTER", "DBGAUTHSTATUS_EL1, ID_REGISTER",
            "CCSIDR_EL1[0], CACHE_GEOMETRY", "CCSIDR_EL1[13], CACHE_GEOMETRY",
            "PSCI_VERSION, FIRMWARE", "SMCCC_ARCH_WORKAROUND_1, FIRMWARE", "STD_BMAP, FIRMWARE",
            "CNTVCT_EL0, COUNTER", "CNTPCT_EL0, COUNTER",
            "0x4030000000000000, UNKNOWN", "0x6030000000990000, UNKNOWN",
    })
    void everyRegisterHasOneClass(String name, RegisterClass expected) {
        assertEquals(expected, RegisterClass.of(RegisterId.parse(name)));
    }

    @Test
    void runtimeWritesWhatTheGuestChangesAndNothingTheKernelHoldsOrTheClock() {
        for (RegisterClass c : RegisterClass.values()) {
            boolean guestState = c == CORE || c == FP_SIMD || c == SVE_DATA || c == GUEST_SYSREG || c == PMU_SET;
            assertEquals(guestState, c.writtenAt(RUNTIME, Counters.KEEP), c.name());
            assertEquals(guestState, c.writtenAt(RUNTIME, Counters.RESTORE), c.name() + " with RESTORE");
        }
    }

    @Test
    void resetAddsOnlyTheVcpuConfiguration() {
        for (RegisterClass c : RegisterClass.values()) {
            boolean added = c.writtenAt(RESET, Counters.KEEP) && !c.writtenAt(RUNTIME, Counters.KEEP);
            assertEquals(c == VCPU_CONFIG, added, c.name());
        }
        assertFalse(COUNTER.writtenAt(RESET, Counters.RESTORE), "a reset never moves the clock");
    }

    @Test
    void fullWritesEverythingButTheCountersUnlessARestoreAsks() {
        for (RegisterClass c : RegisterClass.values()) {
            assertEquals(c != COUNTER && c != PMU_CLEAR_ALIAS, c.writtenAt(FULL, Counters.KEEP), c.name());
            assertEquals(c != PMU_CLEAR_ALIAS, c.writtenAt(FULL, Counters.RESTORE), c.name());
            assertTrue(c.readAt(FULL), c.name());
        }
        assertTrue(COUNTER.counter());
        assertFalse(COUNTER.readAt(RESET), "counters are read for snapshots only");
        assertTrue(PMU_CLEAR_ALIAS.readAt(RUNTIME), "a CLR alias is read, only its SET register is written");
    }

    @Test
    void everyPmuSetRegisterHasItsClearAlias() {
        assertEquals(RegisterId.parse("PMINTENCLR_EL1"), RegisterClass.clearAliasOf(RegisterId.parse("PMINTENSET_EL1")));
        assertEquals(RegisterId.parse("PMOVSCLR_EL0"), RegisterClass.clearAliasOf(RegisterId.parse("PMOVSSET_EL0")));
        assertEquals(RegisterId.parse("PMCNTENCLR_EL0"), RegisterClass.clearAliasOf(RegisterId.parse("PMCNTENSET_EL0")));
    }

    @Test
    void constantsAreTheIdentificationCacheFirmwareAndSveConfiguration() {
        for (RegisterClass c : RegisterClass.values()) {
            assertEquals(c == ID_REGISTER || c == CACHE_GEOMETRY || c == FIRMWARE || c == SVE_CONFIG, c.constant(), c.name());
        }
    }

    /** Linux 6.12's 259 ids (PSCI 0.2 vCPU): how they split, so a change to the table shows up here. */
    @Test
    void theLinux612RegisterListSplitsByClass() throws IOException {
        Map<RegisterClass, Integer> counts = new EnumMap<>(RegisterClass.class);
        for (RegisterId id : linux612()) counts.merge(RegisterClass.of(id), 1, Integer::sum);
        assertEquals(Map.of(CORE, 41, FP_SIMD, 34, GUEST_SYSREG, 98, VCPU_CONFIG, 2, ID_REGISTER, 61,
                CACHE_GEOMETRY, 14, FIRMWARE, 7, COUNTER, 2), counts);
    }

    static List<RegisterId> linux612() throws IOException {
        try (var in = RegisterClassTest.class.getResourceAsStream("/dev/kvm4j/arm/regs/linux-6.12-reglist.txt");
             var r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            return r.lines().filter(l -> l.startsWith("0x")).map(l -> RegisterId.of(Long.parseUnsignedLong(l.substring(2), 16))).toList();
        }
    }
}
