package dev.kvm4j.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The C reference (bench/c/kvmbench.c), run as a child process for each of its turns so that its turns
 * interleave with the JVM's own. It times itself; process start-up is not in its figure.
 */
final class CReference {
    private final String binary;

    CReference(String binary) { this.binary = binary; }

    /** {@code kvmbench MODE N}: nanoseconds per operation. */
    double measure(String mode, long n) throws IOException, InterruptedException {
        return Double.parseDouble(lines(mode, n).get(0).split("\\s+")[1]);
    }

    /** Every line the C program prints for {@code MODE N}. */
    List<String> lines(String mode, long n) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(binary, mode, Long.toString(n)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        if (p.waitFor() != 0) throw new IllegalStateException("the C reference " + binary + " " + mode + " failed: " + out);
        return new ArrayList<>(out.lines().toList());
    }

    Pairs.Turn turn(String mode, long n) { return () -> measure(mode, n); }
}
