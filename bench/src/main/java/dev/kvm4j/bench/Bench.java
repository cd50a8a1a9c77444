package dev.kvm4j.bench;

import dev.kvm4j.kvm.Kvm;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Every benchmark of this host's KVM against its C reference (bench/c/kvmbench.c built for this host),
 * alternating kvm4j and C turn by turn: one line per figure,
 * {@code <name>: kvm4j N <unit>, C M <unit>, ratio R (lo–hi, k pairs)}, R being the median of the
 * per-pair ratios. On x86_64 the exits are port I/O and MMIO of a real-mode guest; on arm64 MMIO, plus
 * the full register sync. The VM lifecycle runs on both, with its step-by-step breakdown.
 *
 * Usage: Bench PATH_TO_kvmbench [pairs=9] [exits=N] [syncs=N] [cycles=N]   (exits=0: the VM lifecycle only)
 */
public final class Bench {
    private Bench() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || !Files.isExecutable(Path.of(args[0]))) {
            System.err.println("usage: Bench PATH_TO_kvmbench [pairs=9] [exits=N] [syncs=N] [cycles=N]  (kvmbench: bench/c/kvmbench.c built for this host)");
            System.exit(2);
        }
        Map<String, Long> opt = options(args);
        String arch = System.getProperty("os.arch");
        boolean x86 = arch.equals("amd64") || arch.equals("x86_64");
        if (!x86 && !arch.equals("aarch64")) {
            System.out.println("host benchmarks skipped: kvm4j's benchmarks know x86_64 and arm64 guests, this host is " + arch);
            return;
        }
        if (!Kvm.isAvailable()) {
            System.out.println("host benchmarks skipped: this " + arch + " host has no usable " + Kvm.DEFAULT_PATH);
            return;
        }
        CReference c = new CReference(args[0]);
        int pairs = opt.getOrDefault("pairs", 9L).intValue();
        // Defaults sized for about a second per turn: an exit costs ~10 µs on a (nested) x86 host, ~100 µs in the rig.
        long exits = opt.getOrDefault("exits", x86 ? 50_000L : 10_000L);
        long cycles = opt.getOrDefault("cycles", x86 ? 500L : 50L);

        if (exits == 0) {
            System.out.println("exit benchmarks skipped (exits=0)");
        } else if (x86) {
            exits(c, "exit round trip (x86 port I/O)", "pio", X86ExitGuest.Kind.PIO, exits, pairs);
            exits(c, "exit round trip (x86 MMIO)", "mmio", X86ExitGuest.Kind.MMIO, exits, pairs);
        } else {
            try (ExitRoundTrip kvm4j = ExitRoundTrip.arm64Mmio(exits)) {
                Pairs.run("exit round trip", "C", "ns", pairs, kvm4j, c.turn("mmio", exits));
                System.out.printf(Locale.ROOT, "exit round trip allocation: kvm4j %.3f bytes/exit%n", kvm4j.lastBytesPerExit());
            }
            long syncs = opt.getOrDefault("syncs", 100L);
            try (RegisterSync kvm4j = new RegisterSync(syncs)) {
                Pairs.run("full register sync", "C", "ns", pairs, kvm4j, c.turn("sync", syncs));
                System.out.printf(Locale.ROOT, "full register sync allocation: kvm4j %.0f bytes/sync%n", kvm4j.lastBytesPerSync());
            }
        }
        Pairs.run("VM lifecycle", "C", "ns", pairs, new Lifecycle(cycles), c.turn("lifecycle", cycles));
        // The same syscalls as bare FFM downcalls: separates kvm4j's own cost from the JVM process's.
        Pairs.run("VM lifecycle, bare FFM downcalls (no kvm4j)", "C", "ns", pairs, new RawLifecycle(cycles), c.turn("lifecycle", cycles));
        Lifecycle.printBreakdown(c, cycles, 5);
    }

    private static void exits(CReference c, String name, String mode, X86ExitGuest.Kind kind, long exits, int pairs) throws Exception {
        try (ExitRoundTrip kvm4j = ExitRoundTrip.x86(kind, exits)) {
            Pairs.Result r = Pairs.run(name, "C", "ns", pairs, kvm4j, c.turn(mode, exits));
            double[] d = new double[r.a().length];
            for (int i = 0; i < d.length; i++) d[i] = r.a()[i] - r.b()[i];
            System.out.printf(Locale.ROOT, "%s: JVM's own cost %s ns/exit (median of per-pair differences), allocation %.3f bytes/exit%n",
                    name, Pairs.figure(Pairs.median(d)), kvm4j.lastBytesPerExit());
        }
    }

    private static Map<String, Long> options(String[] args) {
        Map<String, Long> m = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            String[] kv = args[i].split("=", 2);
            if (kv.length != 2) throw new IllegalArgumentException("Bench: option " + args[i] + " is not key=value (pairs=9, exits=50000, syncs=100, cycles=500)");
            m.put(kv[0], Long.parseLong(kv[1].replace("_", "")));
        }
        return m;
    }
}
