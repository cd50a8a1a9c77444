package dev.kvm4j.vmm.cli;

import dev.kvm4j.vmm.MachineConfig;
import dev.kvm4j.vmm.MachineRunner;
import dev.kvm4j.vmm.gdb.GdbOption;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/** {@code kvm4j run --gdb tcp:[HOST]:PORT [--gdb-wait]}: what the runner gets, and one-line refusals. */
class GdbOptionCliTest {
    final StringWriter out = new StringWriter(), err = new StringWriter();
    final AtomicReference<GdbOption> gdb = new AtomicReference<>();
    final AtomicReference<MachineConfig> plain = new AtomicReference<>();

    private int run(String... args) {
        MachineRunner runner = new MachineRunner() {
            @Override
            public int run(MachineConfig config) {
                plain.set(config);
                return 0;
            }

            @Override
            public int run(MachineConfig config, GdbOption option) {
                gdb.set(option);
                return 0;
            }
        };
        return Main.execute(args, runner, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Test
    void portAloneListensOnLoopback() {
        assertEquals(0, run("run", "--gdb", "tcp::1234", "--gdb-wait"));
        assertEquals(new GdbOption("127.0.0.1", 1234, true), gdb.get());
        assertNull(plain.get(), "the runner's gdb entry is the one called");
    }

    @Test
    void hostAndPortWithoutWait() {
        assertEquals(0, run("run", "--gdb", "tcp:0.0.0.0:4321"));
        assertEquals(new GdbOption("0.0.0.0", 4321, false), gdb.get());
    }

    @Test
    void withoutGdbTheRunnerRunsPlain() {
        assertEquals(0, run("run"));
        assertNotNull(plain.get());
        assertNull(gdb.get());
    }

    @Test
    void aWrongAddressIsOneLine() {
        assertEquals(2, run("run", "--gdb", "1234"));
        assertEquals("kvm4j: --gdb 1234: expected tcp::PORT or tcp:HOST:PORT, e.g. tcp::1234", err.toString().strip());
        err.getBuffer().setLength(0);
        assertEquals(2, run("run", "--gdb", "tcp::99999"));
        assertEquals(1, err.toString().lines().count(), err.toString());
        assertTrue(err.toString().contains("out of range"), err.toString());
    }

    @Test
    void waitWithoutGdbIsRefused() {
        assertEquals(2, run("run", "--gdb-wait"));
        assertEquals("kvm4j: --gdb-wait needs --gdb tcp::PORT to say where gdb connects", err.toString().strip());
        assertNull(gdb.get());
        assertNull(plain.get());
    }
}
