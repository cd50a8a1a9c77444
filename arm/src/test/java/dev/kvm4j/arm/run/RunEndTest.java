package dev.kvm4j.arm.run;

import dev.kvm4j.arm.psci.PowerEvent;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class RunEndTest {
    @Test
    void anUnmappedAccessNamesAddressSizeDirectionAndPc() {
        assertEquals("vCPU 1: 4-byte read of unmapped address 0x20000000 at guest PC 0x4000000c",
                new RunEnd.UnmappedAccess(1, 0x4000000cL, 0x2000_0000L, 4, false, 0).message());
        assertEquals("vCPU 0: 2-byte write of 0xbeef to unmapped address 0x20000008 at guest PC 0x40000010",
                new RunEnd.UnmappedAccess(0, 0x40000010L, 0x2000_0008L, 2, true, 0xbeef).message());
    }

    @Test
    void failuresNameTheVcpuThePcAndTheExitData() {
        assertEquals("vCPU 0 at guest PC 0x40000018: the guest accessed device address 0x10000000 with an instruction KVM "
                        + "cannot decode (ARM_NISV, ESR ISS 0x0): a load/store pair, or one with writeback, on MMIO",
                new RunEnd.UndecodedMmio(0, 0x40000018L, 0x1000_0000L, 0).message());
        assertEquals("vCPU 2 at guest PC (unreadable): KVM internal error, suberror 1 0x10 0x20",
                new RunEnd.InternalError(2, RunEnd.UNKNOWN_PC, 1, List.of(0x10L, 0x20L)).message());
        assertTrue(new RunEnd.EntryFailed(0, 0x1000, 0x33, 3).message().contains("hardware reason 0x33, host CPU 3"));
        assertTrue(new RunEnd.DeviceFailed(0, 0x1000, "uart", 0x0900_0018L, 4, false, new IllegalStateException("boom"))
                .message().contains("device uart failed on a 4-byte read at 0x9000018: java.lang.IllegalStateException: boom"));
    }

    @Test
    void powerEventsSayWhatTheGuestAskedFor() {
        assertEquals("vCPU 0 powered the machine off (PSCI SYSTEM_OFF)", new RunEnd.Power(0, new PowerEvent.PowerOff()).message());
        assertEquals("vCPU 1 asked for a reset (PSCI SYSTEM_RESET2)", new RunEnd.Power(1, new PowerEvent.Reboot(true)).message());
    }
}
