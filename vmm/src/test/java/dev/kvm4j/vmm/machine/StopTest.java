package dev.kvm4j.vmm.machine;

import dev.kvm4j.arm.psci.PowerEvent;
import dev.kvm4j.arm.run.RunEnd;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** How each way the run loop can end reads on the command line. */
class StopTest {
    @Test
    void aGuestPowerOffIsASuccess() {
        assertEquals(new Stop.Reason(0, "the guest powered off"), Stop.of(new RunEnd.Power(1, new PowerEvent.PowerOff())));
    }

    @Test
    void anUnmappedAccessFailsNamingTheAddressAndTheGuestPc() {
        Stop.Reason r = Stop.of(new RunEnd.UnmappedAccess(0, 0xffff_8000_1234_5678L, 0x0a00_0000L, 4, false, 0));
        assertEquals(1, r.exitStatus());
        assertTrue(r.message().startsWith("vCPU 0: 4-byte read of unmapped address 0xa000000 at guest PC 0xffff800012345678: "
                + "the guest touched an address the machine does not have"), r.message());
    }

    @Test
    void theUsersSignalIsStatus130AndAFailureIsStatus1WithTheLoopsMessage() {
        assertEquals(new Stop.Reason(130, Stop.BY_USER), Stop.of(new RunEnd.Stopped(Stop.BY_USER)));
        RunEnd failure = new RunEnd.EntryFailed(0, 0x4000_0000L, 0x1, 0);
        assertEquals(new Stop.Reason(1, failure.message()), Stop.of(failure));
    }
}
