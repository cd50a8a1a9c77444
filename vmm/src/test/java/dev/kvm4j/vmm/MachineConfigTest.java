package dev.kvm4j.vmm;

import dev.kvm4j.arm.gic.GicVersion;
import dev.kvm4j.vmm.cli.GicConverter;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

class MachineConfigTest {
    private static String refused(MachineConfig.Builder b) {
        return assertThrows(ConfigException.class, b::build).getMessage();
    }

    @Test
    void defaultsAreOneCpuHalfAGigAndTheConsoleOnTtyAMA0() {
        MachineConfig c = MachineConfig.builder().build();
        assertEquals(1, c.cpus());
        assertEquals(512L << 20, c.memory());
        assertEquals("console=ttyAMA0", c.append());
        assertEquals(Optional.empty(), c.gic());
        assertEquals(new GuestRange(Layout.RAM_BASE, 512L << 20), c.ram());
    }

    @Test
    void cpuCountIsBoundedByTheGic() {
        assertEquals("--cpus 0 is out of range: the machine takes 1 to 123 vCPUs", refused(MachineConfig.builder().cpus(0)));
        assertEquals("--cpus 9 is out of range: the machine takes 1 to 8 vCPUs with a GICv2",
                refused(MachineConfig.builder().cpus(9).gic(GicVersion.V2)));
        assertEquals(123, MachineConfig.builder().cpus(123).build().cpus());
    }

    @Test
    void memoryMustBeUsable() {
        assertEquals("--memory 1 MiB is too small: at least 16 MiB is needed to boot Linux", refused(MachineConfig.builder().memory(1 << 20)));
        assertTrue(refused(MachineConfig.builder().memory((64 << 20) + 1)).endsWith("is not a multiple of 4 KiB"));
        assertEquals("--memory 4 GiB is too large for a 32-bit guest: RAM starts at 1 GiB and must end by 4 GiB, so at most 3 GiB",
                refused(MachineConfig.builder().memory(4L << 30).aarch32(true)));
        assertEquals(4L << 30, MachineConfig.builder().memory(4L << 30).build().memory());
    }

    @Test
    void commandLineMustFitTheKernelsBuffer() {
        assertEquals("--append is 1024 bytes; the 32-bit kernel keeps at most 1023 (COMMAND_LINE_SIZE)",
                refused(MachineConfig.builder().append("x".repeat(1024)).aarch32(true)));
        assertEquals(2047, MachineConfig.builder().append("x".repeat(2047)).build().append().length());
        assertThrows(ConfigException.class, () -> MachineConfig.builder().append("a\0b").build());
    }

    @Test
    void gicChoiceParsesAutoV2V3() {
        assertEquals(Optional.empty(), GicConverter.parseChoice("auto"));
        assertEquals(Optional.of(GicVersion.V2), GicConverter.parseChoice("v2"));
        assertEquals(Optional.of(GicVersion.V3), GicConverter.parseChoice("V3"));
        assertEquals("'v4' is not a GIC version: expected auto, v2 or v3",
                assertThrows(IllegalArgumentException.class, () -> GicConverter.parseChoice("v4")).getMessage());
    }
}
