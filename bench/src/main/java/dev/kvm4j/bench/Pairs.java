package dev.kvm4j.bench;

import java.util.Arrays;
import java.util.Locale;

/**
 * Alternates kvm4j (A) and its reference (B) in pairs, A B A B …, after one discarded warm-up pair, and
 * reports the median of the per-pair ratios A/B with their range. A noisy moment on a shared machine then
 * lands on one or two pairs, not on one side: the median ratio stays put while the absolute numbers move.
 */
final class Pairs {
    /** One turn of one side: the cost of one operation, in the unit the benchmark names. */
    @FunctionalInterface
    interface Turn {
        double measure() throws Exception;
    }

    /** The pairs of one benchmark; {@code a[i]} and {@code b[i]} ran back to back. */
    record Result(String name, String reference, String unit, double[] a, double[] b) {
        double[] ratios() {
            double[] r = new double[a.length];
            for (int i = 0; i < a.length; i++) r[i] = a[i] / b[i];
            return r;
        }

        double ratio() { return median(ratios()); }

        /** {@code <name>: kvm4j N <unit>, C M <unit>, ratio R (lo-hi, k pairs)}. */
        String line() {
            double[] r = ratios().clone();
            Arrays.sort(r);
            return String.format(Locale.ROOT, "%s: kvm4j %s %s, %s %s %s, ratio %.2f (%.2f-%.2f, %d pairs)",
                    name, figure(median(a)), unit, reference, figure(median(b)), unit, median(r), r[0], r[r.length - 1], r.length);
        }
    }

    /** Pairs a benchmark line needs at least; fewer and the median of the ratios is one noisy pair away. */
    static final int MIN_PAIRS = 7;

    private Pairs() {}

    static Result run(String name, String reference, String unit, int pairs, Turn a, Turn b) throws Exception {
        if (pairs < MIN_PAIRS) throw new IllegalArgumentException(name + ": " + pairs + " pairs, at least " + MIN_PAIRS + " needed");
        a.measure(); // warm-up pair: JIT, page cache, the C binary's first exec
        b.measure();
        double[] as = new double[pairs], bs = new double[pairs];
        for (int i = 0; i < pairs; i++) {
            as[i] = a.measure();
            bs[i] = b.measure();
        }
        Result r = new Result(name, reference, unit, as, bs);
        System.out.println(r.line());
        System.out.flush();
        return r;
    }

    static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    /** Three significant digits at least, no exponent: 8160, 94257, 1.23. */
    static String figure(double v) {
        return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.3g", v);
    }
}
