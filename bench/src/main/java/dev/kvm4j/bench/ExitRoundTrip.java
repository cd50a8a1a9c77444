package dev.kvm4j.bench;

import dev.kvm4j.kvm.Vcpu;
import dev.kvm4j.kvm.VcpuExit;
import dev.kvm4j.kvm.testing.Arm64TestGuest;

/**
 * KVM_RUN → exit → KVM_RUN with nothing done in between: the cost a VMM adds to every device access.
 * The guest is the same loop the C reference runs. One guest serves every turn of the JVM side; each turn
 * times {@code exits} exits and the bytes the thread allocated meanwhile (there should be none).
 */
final class ExitRoundTrip implements Pairs.Turn, AutoCloseable {
    private final AutoCloseable guest;
    private final Vcpu vcpu;
    private final Class<? extends VcpuExit> expected;
    private final long exits;
    private double lastBytesPerExit;

    private ExitRoundTrip(AutoCloseable guest, Vcpu vcpu, Class<? extends VcpuExit> expected, long exits) {
        this.guest = guest;
        this.vcpu = vcpu;
        this.expected = expected;
        this.exits = exits;
        loop(exits / 5 + 1000); // let the JIT compile run() and the switch before any turn counts
    }

    /** arm64: {@code 1: str x1,[x2]; b 1b}, an MMIO write per iteration. */
    static ExitRoundTrip arm64Mmio(long exits) {
        Arm64TestGuest g = new Arm64TestGuest(Arm64TestGuest.MMIO_LOOP);
        g.setX(2, Arm64TestGuest.MMIO_ADDR);
        return new ExitRoundTrip(g, g.vcpu, VcpuExit.Mmio.class, exits);
    }

    static ExitRoundTrip x86(X86ExitGuest.Kind kind, long exits) {
        X86ExitGuest g = new X86ExitGuest(kind);
        return new ExitRoundTrip(g, g.vcpu, kind == X86ExitGuest.Kind.PIO ? VcpuExit.Io.class : VcpuExit.Mmio.class, exits);
    }

    /** Nanoseconds per exit. */
    @Override
    public double measure() {
        long bytes0 = Allocation.threadBytes();
        long t0 = System.nanoTime();
        loop(exits);
        long t1 = System.nanoTime();
        lastBytesPerExit = (double) (Allocation.threadBytes() - bytes0) / exits;
        return (double) (t1 - t0) / exits;
    }

    double lastBytesPerExit() { return lastBytesPerExit; }

    private void loop(long n) {
        for (long i = 0; i < n; i++) {
            VcpuExit e = vcpu.run();
            if (e.getClass() != expected) throw new IllegalStateException("unexpected exit " + e + ", wanted " + expected.getSimpleName());
        }
    }

    @Override
    public void close() throws Exception { guest.close(); }
}
