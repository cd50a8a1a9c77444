package dev.kvm4j.vmm.cli;

import dev.kvm4j.vmm.MachineConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

/** --no-reboot, --control and --verbose: declared once, taken alike by {@code run} and {@code restore}. */
class SessionOptionsTest {
    final RecordingRunner runner = new RecordingRunner();

    @Test
    void runAndRestoreTakeTheSameSessionOptions() {
        assertEquals(0, runner.kvm4j("run", "--no-reboot", "--control", "/tmp/vm.sock", "-v"));
        MachineConfig c = runner.plain;
        assertTrue(c.noReboot() && c.verbose());
        assertEquals(Optional.of(Path.of("/tmp/vm.sock")), c.control());

        assertEquals(0, runner.kvm4j("restore", "vm.snap", "--no-reboot", "--control", "/tmp/vm.sock", "-v"));
        assertEquals(List.of(Path.of("vm.snap"), true, true, Optional.of(Path.of("/tmp/vm.sock"))), runner.restored);
        assertEquals("", runner.err.toString());
    }

    @Test
    void withoutThemBothGetTheDefaults() {
        assertEquals(0, runner.kvm4j("run"));
        assertFalse(runner.plain.noReboot() || runner.plain.verbose());
        assertEquals(Optional.empty(), runner.plain.control());
        assertEquals(0, runner.kvm4j("restore", "vm.snap"));
        assertEquals(List.of(Path.of("vm.snap"), false, false, Optional.empty()), runner.restored);
    }

    @Test
    void bothHelpsDescribeThemAlike() {
        for (String command : new String[] {"run", "restore"}) {
            runner.out.getBuffer().setLength(0);
            assertEquals(0, runner.kvm4j(command, "--help"));
            String help = runner.out.toString();
            for (String s : new String[] {"--no-reboot", "PSCI SYSTEM_RESET", "--control=SOCKET", "'ok ...' or 'error ...'", "-v, --verbose"}) {
                assertTrue(help.contains(s), command + " help lacks " + s + ":\n" + help);
            }
        }
    }
}
