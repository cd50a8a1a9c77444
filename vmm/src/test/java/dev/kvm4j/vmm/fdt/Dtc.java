package dev.kvm4j.vmm.fdt;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The device-tree compiler, the reference reader and checker of trees; tests skip without it. */
final class Dtc {
    private Dtc() {}

    record Result(String dts, String warnings) {}

    private record Run(byte[] out, String err, int status) {}

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
        Run r = run(dtb, "-I", "dtb", "-O", "dts");
        if (r.status() != 0) throw new AssertionError("dtc rejected the blob: " + r.err());
        return new Result(new String(r.out(), StandardCharsets.UTF_8), r.err());
    }

    /** {@code dtc -I dts -O dtb}; fails the test if dtc cannot compile the source (warnings are allowed). */
    static byte[] compile(String dts) throws IOException, InterruptedException {
        Run r = run(dts.getBytes(StandardCharsets.UTF_8), "-I", "dts", "-O", "dtb");
        if (r.status() != 0) throw new AssertionError("dtc could not compile the source: " + r.err());
        return r.out();
    }

    /** Runs dtc's checks over the blob with {@code checks} promoted to errors; what dtc said, empty when all passed. */
    static Result check(byte[] dtb, List<String> checks) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("-I", "dtb", "-O", "dtb"));
        for (String c : checks) {
            args.add("-E");
            args.add(c);
        }
        Run r = run(dtb, args.toArray(String[]::new));
        String said = r.err() + (r.status() != 0 && r.err().isEmpty() ? "dtc exited " + r.status() : "");
        return new Result("", said);
    }

    private static Run run(byte[] input, String... args) throws IOException, InterruptedException {
        assumeInstalled();
        Path in = Files.createTempFile("kvm4j-dtc", ".in");
        Path out = Files.createTempFile("kvm4j-dtc", ".out");
        Path err = Files.createTempFile("kvm4j-dtc", ".err");
        try {
            Files.write(in, input);
            List<String> command = new ArrayList<>(List.of("dtc", "-o", out.toString()));
            command.addAll(List.of(args));
            command.add(in.toString());
            Process p = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(err.toFile()).start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("dtc hung");
            }
            return new Run(Files.readAllBytes(out), Files.readString(err), p.exitValue());
        } finally {
            Files.deleteIfExists(in);
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
