package dev.kvm4j.vmm.cli;

import dev.kvm4j.vmm.gdb.GdbOption;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** {@code kvm4j run --gdb tcp:[HOST]:PORT [--gdb-wait]}: what the runner gets, and one-line refusals. */
class GdbOptionCliTest {
    final RecordingRunner runner = new RecordingRunner();

    private int run(String... args) {
        return runner.kvm4j(args);
    }

    @Test
    void portAloneListensOnLoopback() {
        assertEquals(0, run("run", "--gdb", "tcp::1234", "--gdb-wait"));
        assertEquals(new GdbOption("127.0.0.1", 1234, true), runner.gdb);
        assertNull(runner.plain, "the runner's gdb entry is the one called");
    }

    @Test
    void hostAndPortWithoutWait() {
        assertEquals(0, run("run", "--gdb", "tcp:0.0.0.0:4321"));
        assertEquals(new GdbOption("0.0.0.0", 4321, false), runner.gdb);
    }

    @Test
    void withoutGdbTheRunnerRunsPlain() {
        assertEquals(0, run("run"));
        assertNotNull(runner.plain);
        assertNull(runner.gdb);
    }

    @Test
    void aWrongAddressIsOneLine() {
        assertEquals(2, run("run", "--gdb", "1234"));
        assertEquals("kvm4j: --gdb 1234: expected tcp::PORT or tcp:HOST:PORT, e.g. tcp::1234", runner.err.toString().strip());
        runner.err.getBuffer().setLength(0);
        assertEquals(2, run("run", "--gdb", "tcp::99999"));
        assertEquals(1, runner.err.toString().lines().count(), runner.err.toString());
        assertTrue(runner.err.toString().contains("out of range"), runner.err.toString());
    }

    @Test
    void waitWithoutGdbIsRefused() {
        assertEquals(2, run("run", "--gdb-wait"));
        assertEquals("kvm4j: --gdb-wait needs --gdb tcp::PORT to say where gdb connects", runner.err.toString().strip());
        assertNull(runner.gdb);
        assertNull(runner.plain);
    }
}
