package dev.kvm4j.kvm.testing;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * This process's open fds and /proc/self/maps lines, all of them and kvm4j's own kinds, for the leak tests.
 * kvm4j's kinds must not change over the cycles; the whole maps count may move by {@link #JVM_MAPS_SLACK}
 * lines, which the JVM's own threads, heap and code cache account for, while a leak of one mapping per cycle
 * in any close order would add thousands.
 */
public record LeakFigures(int fds, int maps, long kvmMaps, long ramMaps, long ramSize) {
    public static final int JVM_MAPS_SLACK = 64;

    /** {@code KVM4J_LEAK_CYCLES}, or the default for this host's architecture. */
    public static int cycles(int x86, int arm64) {
        String env = System.getenv("KVM4J_LEAK_CYCLES");
        if (env != null) return Integer.parseInt(env);
        return RealKvmCondition.hostArch().equals("amd64") ? x86 : arm64;
    }

    /** After a GC: every {@code kvm_run} is named {@code anon_inode:kvm-vcpu}; RAM is anonymous and {@code ramSize} long. */
    public static LeakFigures now(long ramSize) {
        System.gc();
        List<String> maps = Posix.maps();
        long kvm = maps.stream().filter(l -> l.contains("anon_inode:kvm")).count();
        long ram = maps.stream().filter(l -> isAnonymousOfSize(l, ramSize)).count();
        return new LeakFigures(Posix.openFds().size(), maps.size(), kvm, ram, ramSize);
    }

    public void assertNoLeakSince(LeakFigures before, int cycles) {
        assertEquals(before.fds, fds, "open fds before and after " + cycles + " cycles");
        assertEquals(before.kvmMaps, kvmMaps, "kvm mappings before and after " + cycles + " cycles");
        assertEquals(before.ramMaps, ramMaps, "anonymous mappings of " + ramSize + " bytes before and after " + cycles + " cycles");
        assertTrue(Math.abs(maps - before.maps) <= JVM_MAPS_SLACK,
                "lines of /proc/self/maps: " + before.maps + " before, " + maps + " after " + cycles + " cycles");
    }

    /** One line on stdout with every figure, for the record. */
    public void report(String what, int cycles, double seconds, LeakFigures before) {
        System.out.printf("kvm4j leak check (%s, %s): %d cycles in %.1f s (%.2f ms/cycle); fds %d -> %d; maps %d -> %d"
                        + " (kvm %d -> %d, RAM %d -> %d)%n",
                RealKvmCondition.hostArch(), what, cycles, seconds, seconds * 1000 / cycles, before.fds, fds,
                before.maps, maps, before.kvmMaps, kvmMaps, before.ramMaps, ramMaps);
        System.out.flush();
    }

    private static boolean isAnonymousOfSize(String line, long size) {
        String[] f = line.trim().split("\\s+");
        if (f.length > 5 || !f[4].equals("0")) return false; // a path or an inode: not anonymous
        String[] range = f[0].split("-");
        return Long.parseUnsignedLong(range[1], 16) - Long.parseUnsignedLong(range[0], 16) == size;
    }
}
