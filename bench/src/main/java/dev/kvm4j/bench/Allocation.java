package dev.kvm4j.bench;

import java.lang.management.ManagementFactory;

/** Bytes the current thread has allocated so far, from HotSpot's per-thread counter. */
final class Allocation {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private Allocation() {}

    static long threadBytes() { return THREADS.getCurrentThreadAllocatedBytes(); }
}
