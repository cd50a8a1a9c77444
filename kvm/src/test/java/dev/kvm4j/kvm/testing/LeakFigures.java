package dev.kvm4j.kvm.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * This process's open fds, /proc/self/maps lines (all, and kvm's named ones: every {@code kvm_run} is
 * {@code anon_inode:kvm-vcpu}) and virtual size, for the leak tests. The fds and kvm mappings must not change
 * over the cycles. The whole maps count may move by {@link #JVM_MAPS_SLACK} lines, which the JVM's own threads,
 * heap and code cache account for, while a leak of one mapping per cycle in any close order adds thousands.
 * RAM areas cannot be counted by line (the kernel merges an anonymous mapping with a like neighbour), so a RAM
 * leak is caught by the virtual size: it may not grow by half of what leaking one cycle in three would add.
 */
public record LeakFigures(int fds, int maps, long kvmMaps, long vmSizeKib, long ramSize) {
    public static final int JVM_MAPS_SLACK = 64;

    /** {@code KVM4J_LEAK_CYCLES}, or the default for this host's architecture. */
    public static int cycles(int x86, int arm64) {
        String env = System.getenv("KVM4J_LEAK_CYCLES");
        if (env != null) return Integer.parseInt(env);
        return RealKvmCondition.hostArch().equals("amd64") ? x86 : arm64;
    }

    /** After a GC; {@code ramSize}: the guest RAM each cycle maps. */
    public static LeakFigures now(long ramSize) {
        System.gc();
        List<String> maps = Posix.maps();
        long kvm = maps.stream().filter(l -> l.contains("anon_inode:kvm")).count();
        return new LeakFigures(Posix.openFds().size(), maps.size(), kvm, readVmSizeKib(), ramSize);
    }

    private static long readVmSizeKib() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("VmSize:")) return Long.parseLong(l.replaceAll("[^0-9]", ""));
            }
            throw new IllegalStateException("no VmSize in /proc/self/status");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void assertNoLeakSince(LeakFigures before, int cycles) {
        assertEquals(before.fds, fds, "open fds before and after " + cycles + " cycles");
        assertEquals(before.kvmMaps, kvmMaps, "kvm mappings before and after " + cycles + " cycles");
        long allowedKib = cycles / 3 * (ramSize >> 10) / 2;
        assertTrue(vmSizeKib - before.vmSizeKib < Math.max(allowedKib, 64 << 10),
                "virtual size grew from " + before.vmSizeKib + " KiB to " + vmSizeKib + " KiB over " + cycles + " cycles");
        assertTrue(Math.abs(maps - before.maps) <= JVM_MAPS_SLACK,
                "lines of /proc/self/maps: " + before.maps + " before, " + maps + " after " + cycles + " cycles");
    }

    /** One line on stdout with every figure, for the record. */
    public void report(String what, int cycles, double seconds, LeakFigures before) {
        System.out.printf("kvm4j leak check (%s, %s): %d cycles in %.1f s (%.2f ms/cycle); fds %d -> %d; maps %d -> %d"
                        + " (kvm %d -> %d); VmSize %d -> %d KiB%n",
                RealKvmCondition.hostArch(), what, cycles, seconds, seconds * 1000 / cycles, before.fds, fds,
                before.maps, maps, before.kvmMaps, kvmMaps, before.vmSizeKib, vmSizeKib);
        System.out.flush();
    }
}
