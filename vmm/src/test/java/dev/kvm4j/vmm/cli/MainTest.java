package dev.kvm4j.vmm.cli;

import dev.kvm4j.arm.gic.GicVersion;
import dev.kvm4j.vmm.MachineConfig;
import dev.kvm4j.vmm.MachineRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

class MainTest {
    @TempDir
    Path dir;

    final StringWriter out = new StringWriter(), err = new StringWriter();
    final AtomicReference<MachineConfig> given = new AtomicReference<>();

    private int run(MachineRunner runner, String... args) {
        return Main.execute(args, runner, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    private int run(String... args) {
        return run(config -> {
            given.set(config);
            return 0;
        }, args);
    }

    private void assertOneLineError(String expected) {
        String e = err.toString();
        assertEquals(1, e.lines().count(), "one line, no stack trace:\n" + e);
        assertEquals(expected, e.strip());
    }

    @Test
    void optionsBecomeTheConfigTheRunnerGets() {
        assertEquals(0, run("run", "--kernel", "/k/Image", "--initrd", "/k/initrd", "--append", "quiet", "--cpus", "4",
                "--memory", "2G", "--gic", "v2", "--timings", "-v", "--dump-dtb", "/tmp/x.dtb"));
        MachineConfig c = given.get();
        assertEquals(Optional.of(Path.of("/k/Image")), c.kernel());
        assertEquals(Optional.of(Path.of("/k/initrd")), c.initrd());
        assertEquals("quiet", c.append());
        assertEquals(4, c.cpus());
        assertEquals(2L << 30, c.memory());
        assertEquals(Optional.of(GicVersion.V2), c.gic());
        assertEquals(Optional.of(Path.of("/tmp/x.dtb")), c.dumpDtb());
        assertTrue(c.timings() && c.verbose());
        assertFalse(c.aarch32());
    }

    @Test
    void defaultsNeedNoOptions() {
        assertEquals(0, run("run"));
        MachineConfig c = given.get();
        assertEquals(Optional.empty(), c.kernel());
        assertEquals(Optional.empty(), c.gic(), "auto");
        assertEquals(512L << 20, c.memory());
        assertEquals("console=ttyAMA0", c.append());
    }

    @Test
    void helpShowsOptionsAndExamples() {
        assertEquals(0, run("run", "--help"));
        String help = out.toString();
        for (String s : new String[] {"--kernel=FILE", "--initrd=FILE", "--append=CMDLINE", "--cpus=N", "--memory=SIZE",
                "--gic=auto|v2|v3", "--aarch32", "--dump-dtb=FILE", "--timings", "--verbose", "Examples:", "kvm4j run --kernel Image"}) {
            assertTrue(help.contains(s), "help lacks " + s + ":\n" + help);
        }
        assertNull(given.get());
    }

    @Test
    void badSizeIsOneLineAndStatus2() {
        assertEquals(2, run("run", "--memory", "lots"));
        assertOneLineError("kvm4j: Invalid value for option '--memory': 'lots' is not a size: expected a whole number"
                + " with an optional suffix K, M, G or T (e.g. 512M, 1G) (see 'kvm4j run --help')");
    }

    @Test
    void badGicIsOneLineAndStatus2() {
        assertEquals(2, run("run", "--gic", "v4"));
        assertOneLineError("kvm4j: Invalid value for option '--gic': 'v4' is not a GIC version: expected auto, v2 or v3 (see 'kvm4j run --help')");
    }

    @Test
    void unknownOptionIsOneLineAndStatus2() {
        assertEquals(2, run("run", "--kernal", "x"));
        assertTrue(err.toString().startsWith("kvm4j: Unknown option"), err.toString());
        assertEquals(1, err.toString().lines().count());
    }

    @Test
    void outOfRangeCpusIsOneLineAndStatus2() {
        assertEquals(2, run("run", "--cpus", "0"));
        assertOneLineError("kvm4j: --cpus 0 is out of range: the machine takes 1 to 123 vCPUs");
        assertNull(given.get());
    }

    @Test
    void noCommandIsAUserMistake() {
        assertEquals(2, run());
        assertTrue(err.toString().contains("which command? try 'kvm4j run'"), err.toString());
    }

    @Test
    void unexpectedFailureIsStatus1WithTheStackOnlyWhenVerbose() {
        MachineRunner broken = config -> {
            throw new IllegalStateException("boom");
        };
        assertEquals(1, run(broken, "run"));
        assertOneLineError("kvm4j: internal error: java.lang.IllegalStateException: boom (--verbose shows where)");
        err.getBuffer().setLength(0);
        assertEquals(1, run(broken, "run", "--verbose"));
        assertTrue(err.toString().contains("\tat "), "stack trace with --verbose");
    }

    @Test
    void anErrorFromTheJvmIsOneLineNotATrace() {
        MachineRunner exhausted = config -> {
            throw new OutOfMemoryError("Java heap space");
        };
        assertEquals(1, run(exhausted, "run"));
        assertOneLineError("kvm4j: the JVM ran out of memory (Java heap space); give it more with -Xmx, or use a smaller "
                + "--memory (--verbose shows where)");
        err.getBuffer().setLength(0);
        assertEquals(1, run(config -> { throw new StackOverflowError(); }, "run"));
        assertOneLineError("kvm4j: internal error: java.lang.StackOverflowError (--verbose shows where)");
    }

    @Test
    void checkIsAnOptionOfRun() {
        assertEquals(0, run("run", "--kernel", "/k/Image", "--check"));
        assertTrue(given.get().check());
        assertEquals(0, run("run", "--kernel", "/k/Image"));
        assertFalse(given.get().check());
        assertEquals(0, run("run", "--help"));
        assertTrue(out.toString().contains("--check"), out.toString());
    }

    @Test
    void theShippedRunnerJudgesTheFilesBeforeAnyVm() {
        Path missing = dir.resolve("Image");
        var runner = new dev.kvm4j.vmm.machine.KvmRunner(java.io.InputStream.nullInputStream(), java.io.OutputStream.nullOutputStream(),
                new PrintWriter(out));
        assertEquals(2, run(runner, "run", "--kernel", missing.toString()));
        assertOneLineError("kvm4j: kernel " + missing + ": no such file");
    }
}
