package dev.kvm4j.arm.psci;

import dev.kvm4j.kvm.testing.CAbiCheck;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** PSCI ids against the headers, and the system-event decoder. */
class PsciTest {

    @Test
    void functionIdsAndReturnCodesMatchTheKernelHeaders() throws Exception {
        CAbiCheck check = new CAbiCheck().include("linux/psci.h").include("linux/kvm.h");
        check.constants(Psci.class, n -> n.startsWith("PSCI_") || n.startsWith("KVM_"));
        check.constant("KVM_SYSTEM_EVENT_RESET_FLAG_PSCI_RESET2", PowerEvent.KVM_SYSTEM_EVENT_RESET_FLAG_PSCI_RESET2);
        check.verify("aarch64-linux-gnu-gcc");
    }

    @Test
    void theIdsTheBriefSpells() {
        assertEquals(0x84000000, Psci.PSCI_0_2_FN_PSCI_VERSION);
        assertEquals(0x84000002, Psci.PSCI_0_2_FN_CPU_OFF);
        assertEquals(0xC4000003, Psci.PSCI_0_2_FN64_CPU_ON);
        assertEquals(0x84000008, Psci.PSCI_0_2_FN_SYSTEM_OFF);
        assertEquals(0x84000009, Psci.PSCI_0_2_FN_SYSTEM_RESET);
        assertEquals("1.1", Psci.versionString(0x10001));
    }

    @Test
    void systemEventsDecodeToPowerEvents() {
        assertEquals(new PowerEvent.PowerOff(), PowerEvent.decode(1, 0));
        assertEquals(new PowerEvent.Reboot(false), PowerEvent.decode(2, 0));
        assertEquals(new PowerEvent.Reboot(true), PowerEvent.decode(2, 1));
        assertEquals(new PowerEvent.Crash(), PowerEvent.decode(3, 0));
        assertEquals(new PowerEvent.Other(5), PowerEvent.decode(5, 0));
    }
}
