package dev.kvm4j.vmm.cli;

import dev.kvm4j.vmm.MachineConfig;
import dev.kvm4j.vmm.MachineRunner;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/** --no-reboot, --control and --verbose: declared once, taken alike by {@code run} and {@code restore}. */
class SessionOptionsTest {
    final StringWriter out = new StringWriter(), err = new StringWriter();
    final AtomicReference<MachineConfig> ran = new AtomicReference<>();
    final AtomicReference<List<Object>> restored = new AtomicReference<>();

    private int kvm4j(String... args) {
        MachineRunner runner = new MachineRunner() {
            @Override
            public int run(MachineConfig config) {
                ran.set(config);
                return 0;
            }

            @Override
            public int restore(Path file, boolean verbose, boolean noReboot, Optional<Path> control) {
                restored.set(List.of(file, verbose, noReboot, control));
                return 0;
            }
        };
        return Main.execute(args, runner, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Test
    void runAndRestoreTakeTheSameSessionOptions() {
        assertEquals(0, kvm4j("run", "--no-reboot", "--control", "/tmp/vm.sock", "-v"));
        MachineConfig c = ran.get();
        assertTrue(c.noReboot() && c.verbose());
        assertEquals(Optional.of(Path.of("/tmp/vm.sock")), c.control());

        assertEquals(0, kvm4j("restore", "vm.snap", "--no-reboot", "--control", "/tmp/vm.sock", "-v"));
        assertEquals(List.of(Path.of("vm.snap"), true, true, Optional.of(Path.of("/tmp/vm.sock"))), restored.get());
        assertEquals("", err.toString());
    }

    @Test
    void withoutThemBothGetTheDefaults() {
        assertEquals(0, kvm4j("run"));
        assertFalse(ran.get().noReboot() || ran.get().verbose());
        assertEquals(Optional.empty(), ran.get().control());
        assertEquals(0, kvm4j("restore", "vm.snap"));
        assertEquals(List.of(Path.of("vm.snap"), false, false, Optional.empty()), restored.get());
    }

    @Test
    void bothHelpsDescribeThemAlike() {
        for (String command : new String[] {"run", "restore"}) {
            out.getBuffer().setLength(0);
            assertEquals(0, kvm4j(command, "--help"));
            String help = out.toString();
            for (String s : new String[] {"--no-reboot", "PSCI SYSTEM_RESET", "--control=SOCKET", "'ok ...' or 'error ...'", "-v, --verbose"}) {
                assertTrue(help.contains(s), command + " help lacks " + s + ":\n" + help);
            }
        }
    }
}
