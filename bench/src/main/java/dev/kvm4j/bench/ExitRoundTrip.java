package dev.kvm4j.bench;

import dev.kvm4j.kvm.VcpuExit;
import dev.kvm4j.kvm.testing.Arm64TestGuest;

/**
 * KVM_RUN → MMIO exit → KVM_RUN with nothing done in between, the cost a VMM adds to every device
 * access. The guest is the same two instructions the C reference runs.
 */
final class ExitRoundTrip {
    private ExitRoundTrip() {}

    /** Returns {nanoseconds per exit, bytes allocated per exit}. */
    static double[] measure(long exits) {
        try (var g = new Arm64TestGuest(Arm64TestGuest.MMIO_LOOP)) {
            g.setX(2, Arm64TestGuest.MMIO_ADDR);
            loop(g, exits / 5 + 1000); // warm-up: let the JIT compile run() and the switch
            long bytes0 = Allocation.threadBytes();
            long t0 = System.nanoTime();
            loop(g, exits);
            long t1 = System.nanoTime();
            long bytes = Allocation.threadBytes() - bytes0;
            return new double[] {(double) (t1 - t0) / exits, (double) bytes / exits};
        }
    }

    private static void loop(Arm64TestGuest g, long n) {
        for (long i = 0; i < n; i++) {
            if (!(g.vcpu.run() instanceof VcpuExit.Mmio)) throw new IllegalStateException("unexpected exit");
        }
    }
}
