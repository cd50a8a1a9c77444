package dev.kvm4j.vmm.gdb;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The stub against a real gdb ({@code gdb-multiarch}, Debian package gdb-multiarch) in batch mode, with
 * {@link FakeTarget} behind it: gdb accepts the target description, shows the registers by name, reads memory,
 * sends breakpoint and watchpoint packets, lists the vCPUs as threads and detaches. Skipped, with the reason,
 * where gdb-multiarch is not installed ({@code ./test} installs it).
 */
class GdbMultiarchTest {
    private static final String GDB = "gdb-multiarch";

    @Test
    void aRealGdbReadsRegistersMemoryThreadsAndSetsBreakpoints() throws Exception {
        FakeTarget target = new FakeTarget();
        System.arraycopy(Hex.littleEndian(42, 8), 0, target.memory, 0x1000, 8); // the watched doubleword holds 42
        try (GdbServer server = GdbServer.start(new InetSocketAddress("127.0.0.1", 0), target)) {
            String out = gdb(server.port(),
                    "set architecture aarch64",
                    "target remote 127.0.0.1:" + server.port(),
                    "info registers",
                    "p/x $v0.q.u",
                    "p $fpsr",
                    "p/x $sctlr_el1",
                    "x/4xw 0x40000000",
                    "x/2i $pc",
                    "info threads",
                    "hbreak *0x40000020",
                    "continue",
                    "p/x $pc",
                    "delete",
                    "break *0x40000010",
                    "continue",
                    "delete",
                    "watch *(long *)0x40001000",
                    "continue",
                    "delete",
                    "thread 2",
                    "p/x $x1",
                    "stepi",
                    "detach");
            assertTrue(out.contains("0x0000000040000000 in ?? ()"), "connected, stopped at the PC\n" + out);
            assertTrue(out.matches("(?s).*x0\\s+0x1000\\s.*"), "x0 by name\n" + out);
            assertTrue(out.matches("(?s).*x30\\s+0x101e\\s.*"), "x30\n" + out);
            assertTrue(out.matches("(?s).*sp\\s+0x0\\s.*"), out);
            assertTrue(out.matches("(?s).*pc\\s+0x40000000\\s.*"), "pc\n" + out);
            assertTrue(out.matches("(?s).*cpsr\\s+0x3c5\\s.*"), "cpsr\n" + out);
            assertTrue(out.contains("$3 = 0x0"), "a system register by name (the fake's are 0)\n" + out);
            assertTrue(out.contains("{0x31302f2e2d2c2b2a2928272625242322}"), "v0 (register 34) as a 128-bit value\n" + out);
            assertTrue(out.contains("0x40000000:\t0xd503201f\t0xd503201f\t0xd503201f\t0xd503201f"), "memory\n" + out);
            assertTrue(out.contains("nop"), "gdb disassembles what it read\n" + out);
            assertTrue(out.contains("Thread 1") && out.contains("Thread 2") && out.contains("vCPU 1"), "threads = vCPUs\n" + out);
            assertTrue(out.contains("Hardware assisted breakpoint 1 at 0x40000020"), out);
            assertTrue(out.contains("$4 = 0x40000020"), "stopped at the hbreak\n" + out);
            assertTrue(out.matches("(?s).*Breakpoint 2, 0x0*40000010.*"), "stopped at the break\n" + out);
            assertTrue(out.contains("Hardware watchpoint 3: *(long *)0x40001000"), out);
            assertTrue(out.matches("(?s).*Old value = 42\\s+New value = 43.*"), "the watchpoint hit, as gdb reports it\n" + out);
            assertTrue(out.contains("$5 = 0x2001"), "x1 of vCPU 1\n" + out);
            assertTrue(out.contains("[Inferior 1 (Remote target) detached]"), out);

            List<String> log = target.log;
            assertTrue(log.contains("Z1 40000020 4"), "hbreak → Z1: " + log);
            assertTrue(log.contains("Z0 40000010 4"), "break → Z0: " + log);
            assertTrue(log.contains("Z2 40001000 8"), "watch → Z2 on 8 bytes: " + log);
            assertTrue(log.contains("step 1"), "stepi on thread 2 steps vCPU 1: " + log);
            assertTrue(target.detached.await(30, TimeUnit.SECONDS));
            assertEquals(true, target.inserted.isEmpty());
        }
    }

    @Test
    void aRealGdbUnderstandsTheArmDescription() throws Exception {
        FakeArm target = new FakeArm();
        try (GdbServer server = GdbServer.start(new InetSocketAddress("127.0.0.1", 0), target)) {
            String out = gdb(server.port(), "set architecture arm", "target remote 127.0.0.1:" + server.port(), "info registers", "p $d1", "p/x $fpscr", "detach");
            assertTrue(out.matches("(?s).*r0\\s+0x1000\\s.*"), out);
            assertTrue(out.matches("(?s).*lr\\s+0x100e\\s.*"), out);
            assertTrue(out.matches("(?s).*pc\\s+0x8000\\s.*"), out);
            assertTrue(out.matches("(?s).*cpsr\\s+0x1d3\\s.*"), out);
            assertTrue(out.contains("= 1.5"), "d1 as a double\n" + out);
            assertTrue(out.contains("= 0x3000000"), "fpscr\n" + out);
        }
    }

    /** The AArch32 view of the fake: arm registers with recognisable values. */
    private static final class FakeArm extends DelegatingTarget {
        FakeArm() {
            super(new FakeTarget());
        }

        @Override public TargetDescription description() { return TargetDescription.ARM; }

        @Override
        public byte[] readRegister(int vcpu, int regno) {
            if (regno <= 14) return Hex.littleEndian(0x1000 + regno, 4);
            if (regno == 15) return Hex.littleEndian(0x8000, 4);
            if (regno == 25) return Hex.littleEndian(0x1d3, 4);
            if (regno == 27) return Hex.littleEndian(Double.doubleToLongBits(1.5), 8);
            if (regno == 58) return Hex.littleEndian(0x3000000, 4);
            return new byte[8];
        }
    }

    private static String gdb(int port, String... commands) throws IOException, InterruptedException {
        Assumptions.assumeTrue(onPath(GDB), GDB + " is not installed (Debian package gdb-multiarch)");
        List<String> cmd = new ArrayList<>(List.of(GDB, "-batch", "-nx"));
        for (String c : commands) cmd.addAll(List.of("-ex", c));
        Path log = Files.createTempFile("kvm4j-gdb", ".log");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            boolean done = p.waitFor(120, TimeUnit.SECONDS);
            if (!done) p.destroyForcibly().waitFor();
            String out = Files.readString(log, StandardCharsets.UTF_8);
            if (!done) throw new AssertionError(GDB + " did not finish in 120 s; its output:\n" + out);
            return out;
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static boolean onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) return false;
        for (String dir : path.split(":")) if (Files.isExecutable(Path.of(dir, program))) return true;
        return false;
    }
}
