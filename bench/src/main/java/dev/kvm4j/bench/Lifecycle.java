package dev.kvm4j.bench;

import dev.kvm4j.kvm.GuestMemory;
import dev.kvm4j.kvm.Kvm;
import dev.kvm4j.kvm.Vcpu;
import dev.kvm4j.kvm.Vm;

import java.lang.foreign.Arena;
import java.util.List;
import java.util.Locale;

/**
 * The life of a small VM: open /dev/kvm, create a VM, map and add 2 MiB of RAM, create a vCPU, close all.
 * A host that starts many short VMs pays this each time. The C reference ({@code kvmbench lifecycle}) makes
 * the same calls kvm4j does (API version and kvm_run size at open, kvm_run mapped with the vCPU).
 */
final class Lifecycle implements Pairs.Turn {
    static final long RAM_SIZE = 0x20_0000;
    /** The steps, in the order {@code kvmbench steps} prints them. */
    static final List<String> STEPS = List.of("open /dev/kvm", "create VM", "map 2 MiB RAM", "add memory", "create vCPU",
            "close vCPU", "close VM", "unmap RAM", "close /dev/kvm");

    private final long cycles;

    Lifecycle(long cycles) { this.cycles = cycles; }

    /** Nanoseconds per lifecycle. */
    @Override
    public double measure() {
        long t0 = System.nanoTime();
        for (long i = 0; i < cycles; i++) once(null);
        return (double) (System.nanoTime() - t0) / cycles;
    }

    /** Nanoseconds per step, summed over {@code n} lifecycles and divided. */
    static double[] steps(long n) {
        for (long i = 0; i < n / 10 + 1; i++) once(null);
        long[] sums = new long[STEPS.size()];
        for (long i = 0; i < n; i++) once(sums);
        double[] perStep = new double[sums.length];
        for (int s = 0; s < sums.length; s++) perStep[s] = (double) sums[s] / n;
        return perStep;
    }

    private static void once(long[] sums) {
        long[] t = {System.nanoTime()};
        Kvm kvm = Kvm.open();
        step(sums, 0, t);
        Vm vm = kvm.createVm();
        step(sums, 1, t);
        GuestMemory ram = GuestMemory.allocate(0, RAM_SIZE);
        step(sums, 2, t);
        vm.addMemory(0, ram);
        step(sums, 3, t);
        Vcpu vcpu = vm.createVcpu(0);
        step(sums, 4, t);
        vcpu.close();
        step(sums, 5, t);
        vm.close();
        step(sums, 6, t);
        ram.close();
        step(sums, 7, t);
        kvm.close();
        step(sums, 8, t);
    }

    private static void step(long[] sums, int i, long[] t) {
        if (sums == null) return;
        long now = System.nanoTime();
        sums[i] += now - t[0];
        t[0] = now;
    }

    /**
     * The step-by-step table, kvm4j beside C: per step the median over {@code rounds} alternating turns of
     * {@code n} cycles each. Then what a shared arena's close costs in this JVM.
     */
    static void printBreakdown(CReference c, long n, int rounds) throws Exception {
        int k = STEPS.size();
        double[][] java = new double[k][rounds], cs = new double[k][rounds];
        for (int r = 0; r < rounds; r++) {
            double[] j = steps(n);
            List<String> lines = c.lines("steps", n);
            for (int s = 0; s < k; s++) {
                java[s][r] = j[s];
                cs[s][r] = Double.parseDouble(lines.get(s).split("\\s+")[0]);
            }
        }
        System.out.printf(Locale.ROOT, "VM lifecycle by step (ns per cycle, median of %d alternating turns of %d cycles): kvm4j, C, difference%n", rounds, n);
        double jt = 0, ct = 0;
        for (int s = 0; s < k; s++) {
            double jm = Pairs.median(java[s]), cm = Pairs.median(cs[s]);
            jt += jm;
            ct += cm;
            System.out.printf(Locale.ROOT, "  %-16s %9.0f %9.0f %+9.0f%n", STEPS.get(s), jm, cm, jm - cm);
        }
        System.out.printf(Locale.ROOT, "  %-16s %9.0f %9.0f %+9.0f%n", "sum of medians", jt, ct, jt - ct);
        System.out.printf(Locale.ROOT, "arena close in this JVM (%d live Java threads): shared %s ns, confined %s ns%n",
                Thread.getAllStackTraces().size(), Pairs.figure(arenaClose(true, 2000)), Pairs.figure(arenaClose(false, 2000)));
    }

    /**
     * Allocating 8 bytes in a fresh arena and closing it: a shared arena's close is a handshake with every
     * thread of the JVM (so no thread can still be inside an access), a confined one's is a flag. GuestMemory
     * and Vcpu each own a shared arena; every FileHandle ioctl opens and closes a confined one.
     */
    static double arenaClose(boolean shared, int n) {
        for (int i = 0; i < n / 10; i++) cycle(shared);
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) cycle(shared);
        return (double) (System.nanoTime() - t0) / n;
    }

    private static void cycle(boolean shared) {
        try (Arena a = shared ? Arena.ofShared() : Arena.ofConfined()) {
            a.allocate(8);
        }
    }
}
