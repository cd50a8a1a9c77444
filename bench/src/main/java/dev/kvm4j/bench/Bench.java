package dev.kvm4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Runs kvm4j and its C reference side by side in one run and prints one line per figure:
 * {@code <name>: kvm4j N <unit>, C M <unit>, ratio R}. The C program is built from bench/c/kvmbench.c.
 * Several alternating rounds; the median of each side is reported, so a noisy moment hits both.
 *
 * Usage: Bench C_BINARY [exits-per-round] [rounds]
 */
public final class Bench {
    private Bench() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || !Files.isExecutable(Path.of(args[0]))) {
            System.err.println("usage: Bench PATH_TO_kvmbench [exits] [rounds]  (kvmbench is the C reference)");
            System.exit(2);
        }
        String c = args[0];
        long exits = args.length > 1 ? Long.parseLong(args[1]) : 200_000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;

        List<Double> java = new ArrayList<>(), ref = new ArrayList<>(), alloc = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            double[] j = ExitRoundTrip.measure(exits);
            java.add(j[0]);
            alloc.add(j[1]);
            ref.add(runC(c, "exit", exits));
        }
        print("exit round trip", median(java), median(ref), "ns");
        System.out.printf(Locale.ROOT, "exit round trip allocation: kvm4j %.3f bytes/exit (median of %d rounds of %d exits)%n",
                median(alloc), rounds, exits);
        double[] sync = RegisterSync.sideBySide(c, rounds, Math.max(100, exits / 500));
        print("full register sync", sync[0], sync[1], "ns");
        System.out.printf(Locale.ROOT, "full register sync allocation: kvm4j %.0f bytes/sync%n", sync[2]);
    }

    static void print(String name, double kvm4j, double reference, String unit) {
        System.out.printf(Locale.ROOT, "%s: kvm4j %.0f %s, C %.0f %s, ratio %.2f%n", name, kvm4j, unit, reference, unit, kvm4j / reference);
    }

    static double runC(String binary, String mode, long n) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(binary, mode, Long.toString(n)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        if (p.waitFor() != 0) throw new IllegalStateException("C reference failed: " + out);
        return Double.parseDouble(out.split("\\s+")[1]);
    }

    static double median(List<Double> xs) {
        double[] a = xs.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(a);
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }
}
