package dev.kvm4j.vmm.fdt;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Decompiles blobs with the device-tree compiler, the reference reader; tests skip without it. */
final class Dtc {
    private Dtc() {}

    record Result(String dts, String warnings) {}

    static void assumeInstalled() {
        Assumptions.assumeTrue(installed(), "dtc (device-tree-compiler) is not installed");
    }

    private static boolean installed() {
        try {
            Process p = new ProcessBuilder("dtc", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** {@code dtc -I dtb -O dts}; fails the test if dtc rejects the blob. */
    static Result decompile(byte[] dtb) throws IOException, InterruptedException {
        assumeInstalled();
        Path in = Files.createTempFile("kvm4j", ".dtb");
        Path err = Files.createTempFile("kvm4j", ".err");
        try {
            Files.write(in, dtb);
            Process p = new ProcessBuilder("dtc", "-I", "dtb", "-O", "dts", in.toString()).redirectError(err.toFile()).start();
            String dts = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) throw new AssertionError("dtc hung");
            String warnings = Files.readString(err);
            if (p.exitValue() != 0) throw new AssertionError("dtc rejected the blob: " + warnings);
            return new Result(dts, warnings);
        } finally {
            Files.deleteIfExists(in);
            Files.deleteIfExists(err);
        }
    }
}
