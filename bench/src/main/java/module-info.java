/**
 * kvm4j's benchmarks against C and QEMU: a program, so it exports nothing. It calls native code itself only
 * for its bare-FFM reference ({@code RawLifecycle}), which is why {@code bench/run} grants it native access
 * beside {@code dev.kvm4j.kvm}. Its tiny arm64 guest ({@code dev.kvm4j.kvm.testing.Arm64TestGuest}) comes
 * from kvm's test jar, which cannot be a module (kvm's tests share kvm's packages): it sits on the class
 * path, and this module reads it with {@code --add-reads dev.kvm4j.bench=ALL-UNNAMED}.
 */
module dev.kvm4j.bench {
    requires dev.kvm4j.arm;
    requires dev.kvm4j.kvm;
    requires jdk.management; // per-thread allocation counts (com.sun.management.ThreadMXBean)
}
