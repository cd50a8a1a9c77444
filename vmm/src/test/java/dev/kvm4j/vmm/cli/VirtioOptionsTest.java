package dev.kvm4j.vmm.cli;

import dev.kvm4j.vmm.ConfigException;
import dev.kvm4j.vmm.DiskOption;
import dev.kvm4j.vmm.MachineConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** {@code --disk PATH[,ro]} (repeatable, in order) and {@code --rng} on the command line and in the config. */
class VirtioOptionsTest {
    private static MachineConfig parse(String... args) {
        RunCommand run = new RunCommand(config -> 0);
        new CommandLine(run).parseArgs(args);
        return run.config();
    }

    @Test
    void disksKeepTheirOrderAndFlags() {
        MachineConfig c = parse("--kernel", "Image", "--disk", "a.img", "--disk", "b.img,ro", "--disk", "odd,name.img,rw", "--rng");
        assertEquals(List.of(new DiskOption(Path.of("a.img"), false), new DiskOption(Path.of("b.img"), true),
                new DiskOption(Path.of("odd,name.img"), false)), c.disks());
        assertTrue(c.rng());
    }

    @Test
    void withoutOptionsThereAreNoDevices() {
        MachineConfig c = parse("--kernel", "Image");
        assertEquals(List.of(), c.disks());
        assertFalse(c.rng());
    }

    @Test
    void aBadFlagIsOneLine() {
        ConfigException e = assertThrows(ConfigException.class, () -> DiskOption.parse("a.img,readonly"));
        assertEquals("--disk a.img,readonly: unknown flag 'readonly'; write PATH or PATH,ro", e.getMessage());
        assertThrows(ConfigException.class, () -> DiskOption.parse(""));
        assertThrows(ConfigException.class, () -> DiskOption.parse(",ro"));
    }

    @Test
    void moreDevicesThanSlotsAreRefused() {
        MachineConfig.Builder b = MachineConfig.builder().kernel(Path.of("Image")).rng(true);
        for (int i = 0; i < 32; i++) b.disk(new DiskOption(Path.of("d" + i), false));
        ConfigException e = assertThrows(ConfigException.class, b::build);
        assertTrue(e.getMessage().contains("32 slots"), e.getMessage());
    }
}
