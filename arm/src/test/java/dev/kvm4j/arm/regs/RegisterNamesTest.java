package dev.kvm4j.arm.regs;

import dev.kvm4j.arm.abi.ArmAbi;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RegisterNamesTest {
    @Test
    void everyCoreTableEntryNamesItsIdAndBack() {
        for (CoreRegister r : CoreRegister.values()) {
            assertEquals(r.name(), RegisterId.of(r.id()).name());
            assertEquals(r.id(), RegisterId.parse(r.name()).value());
        }
    }

    @Test
    void everySystemRegisterTableEntryNamesItsIdAndBack() {
        assertTrue(SystemRegisters.all().size() > 300);
        for (RegisterId id : SystemRegisters.all()) {
            String name = id.name();
            assertTrue(id.hasArchitecturalName(), name);
            assertEquals(id, RegisterId.parse(name));
            assertEquals(name, SystemRegisters.name(id).orElseThrow());
        }
    }

    @Test
    void architecturalNamesOfCommonRegisters() {
        assertEquals("SCTLR_EL1", RegisterId.sysreg(3, 0, 1, 0, 0).name());
        assertEquals("MIDR_EL1", RegisterId.sysreg(3, 0, 0, 0, 0).name());
        assertEquals("TTBR0_EL1", RegisterId.sysreg(3, 0, 2, 0, 0).name());
        assertEquals("DBGWCR15_EL1", RegisterId.sysreg(2, 0, 0, 15, 7).name());
        assertEquals("PMEVTYPER30_EL0", RegisterId.sysreg(3, 3, 14, 15, 6).name());
        assertEquals("X5", RegisterId.of(CoreRegister.X5.id()).name());
        assertEquals("CCSIDR_EL1[3]", RegisterId.ccsidr(3).name());
        assertEquals("PSCI_VERSION", RegisterId.of(ArmAbi.KVM_REG_ARM_PSCI_VERSION).name());
        assertEquals("VENDOR_HYP_BMAP", RegisterId.of(ArmAbi.KVM_REG_ARM_VENDOR_HYP_BMAP).name());
        assertEquals("SVE_VLS", RegisterId.sveVls().name());
        assertEquals("Z31[2]", RegisterId.sveZ(31, 2).name());
    }

    /** The UAPI's swapped timer ids are named for what they hold, not for the encoding they carry. */
    @Test
    void virtualTimerIdsAreNamedByMeaningNotEncoding() {
        assertEquals("CNTVCT_EL0", RegisterId.of(ArmAbi.KVM_REG_ARM_TIMER_CNT).name());
        assertEquals("CNTV_CVAL_EL0", RegisterId.of(ArmAbi.KVM_REG_ARM_TIMER_CVAL).name());
        assertEquals("CNTV_CTL_EL0", RegisterId.of(ArmAbi.KVM_REG_ARM_TIMER_CTL).name());
        assertEquals("CNTPCT_EL0", RegisterId.of(ArmAbi.KVM_REG_ARM_PTIMER_CNT).name());
        assertEquals("CNTP_CVAL_EL0", RegisterId.of(ArmAbi.KVM_REG_ARM_PTIMER_CVAL).name());
        assertEquals("CNTP_CTL_EL0", RegisterId.of(ArmAbi.KVM_REG_ARM_PTIMER_CTL).name());
    }

    @Test
    void unknownIdsGetGenericNames() {
        assertEquals("S3_0_C0_C3_3", RegisterId.sysreg(3, 0, 0, 3, 3).name());
        assertFalse(RegisterId.sysreg(3, 0, 0, 3, 3).hasArchitecturalName());
        assertEquals("FW[0x1f]", RegisterId.firmware(0x1f).name());
        assertEquals("0x6030000000100001", RegisterId.core(1, 8).name());
        assertEquals("0x2030000000000001", RegisterId.of(0x2030000000000001L).name());
    }

    @Test
    void parsingIsCaseInsensitiveAndRejectsNonsenseWithTheForms() {
        assertEquals(RegisterId.sysreg(3, 0, 1, 0, 0), RegisterId.parse("sctlr_el1"));
        assertEquals(RegisterId.sysreg(3, 0, 1, 0, 0), RegisterId.parse(" s3_0_c1_c0_0 "));
        var e = assertThrows(IllegalArgumentException.class, () -> RegisterId.parse("SCTLR_EL9"));
        assertTrue(e.getMessage().contains("S<op0>_<op1>_C<n>_C<m>_<op2>"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RegisterId.parse("S3_0_C16_C0_0"));
    }

    /** The 6.12 list (test fixture): every id is named, except ID-space slots the architecture has not allocated. */
    @Test
    void tableNamesEveryIdOfTheLinux612List() throws Exception {
        List<RegisterId> ids = new ArrayList<>();
        try (var in = new BufferedReader(new InputStreamReader(getClass().getResourceAsStream("linux-6.12-reglist.txt"), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (!line.startsWith("#")) ids.add(RegisterId.parse(line));
            }
        }
        assertEquals(259, ids.size());
        Map<RegisterGroup, Integer> groups = new EnumMap<>(RegisterGroup.class);
        List<String> unnamed = new ArrayList<>();
        for (RegisterId id : ids) {
            groups.merge(id.group(), 1, Integer::sum);
            if (!id.hasArchitecturalName() && !RegisterListCheck.isIdSpaceSlot(id)) unnamed.add(id.name());
        }
        assertEquals(Map.of(RegisterGroup.CORE, 75, RegisterGroup.DEMUX, 14, RegisterGroup.SYSREG, 163,
                RegisterGroup.FIRMWARE, 4, RegisterGroup.FIRMWARE_BITMAP, 3), groups);
        assertEquals(List.of(), unnamed);
        assertEquals(List.of(), RegisterListCheck.problems(ids));
    }
}
