package dev.kvm4j.examples;

import dev.kvm4j.kvm.testing.RealKvm;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Each example as a user runs it: its own JVM, every kvm4j jar a real module on the module path, native
 * access for dev.kvm4j.kvm alone and any other restricted call refused. The JVM must say nothing about
 * native access (no warning), and the program's output is checked line by line.
 */
@RealKvm(arch = "aarch64")
class ExamplesKvmTest {
    private static final long TIMEOUT_MINUTES = 15;

    /** The module path: kvm4j.modules (the rig's payload), else the one this JVM runs on (surefire). */
    private static String modulePath() {
        String mods = System.getProperty("kvm4j.modules", System.getProperty("jdk.module.path"));
        assumeTrue(mods != null && !mods.isBlank(), "no module path: set -Dkvm4j.modules=DIR (arm-suite.sh does)");
        return mods;
    }

    private record Run(int status, String out, String err) {}

    private static Run run(String mainClass, String... args) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "--module-path", modulePath(), "--enable-native-access=dev.kvm4j.kvm", "--illegal-native-access=deny"));
        // where the rig's suite collects crash reports (arm-suite.sh): a JVM that dies leaves its hs_err there
        String crashDir = System.getenv("KVM4J_CRASH_DIR");
        if (crashDir != null) command.add("-XX:ErrorFile=" + Path.of(crashDir, "hs_err_pid%p.log"));
        command.addAll(List.of("-m", "dev.kvm4j.examples/" + mainClass));
        command.addAll(List.of(args));
        Path err = Files.createTempFile("kvm4j-example", ".err");
        try {
            Process p = new ProcessBuilder(command).redirectError(err.toFile()).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES), mainClass + " did not end; output:\n" + out);
            return new Run(p.exitValue(), out, Files.readString(err));
        } finally {
            Files.deleteIfExists(err);
        }
    }

    private static void assertQuietJvm(Run r) {
        assertFalse(r.err.contains("WARNING"), "the JVM warned (native access is for dev.kvm4j.kvm only):\n" + r.err);
    }

    @Test
    void countMmioWritesSeesEveryStoreThenThePowerOff() throws Exception {
        Run r = run(CountMmioWrites.class.getName());
        assertEquals(0, r.status, r.out + r.err);
        assertQuietJvm(r);
        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= CountMmioWrites.WRITES; i++) {
            expected.add(String.format("MMIO write %d: 0x%x <- %d (8 bytes)", i, CountMmioWrites.DEVICE, 99 + i));
        }
        expected.add("guest powered off: SHUTDOWN");
        expected.add(CountMmioWrites.WRITES + " MMIO writes");
        assertEquals(expected, r.out.lines().toList());
    }

    @Test
    void bootLinuxReachesUserspaceAndStops() throws Exception {
        String guest = System.getenv("KVM4J_DEFAULT_GUEST");
        assumeTrue(guest != null, "KVM4J_DEFAULT_GUEST is not set: the default guest was not built for this run");
        Run r = run(BootLinux.class.getName(), guest);
        assertEquals(0, r.status, r.out + r.err);
        assertQuietJvm(r);
        assertTrue(r.out.contains(BootLinux.MARKER), "no userspace marker:\n" + r.out);
        assertTrue(r.out.lines().anyMatch(l -> l.startsWith("userspace reached; machine stopped: ")), r.out);
    }
}
