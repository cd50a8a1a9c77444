package dev.kvm4j.kvm.testing;

import org.junit.jupiter.api.Assumptions;

import java.lang.reflect.Method;

/**
 * Bytes the current thread has allocated, from HotSpot's ThreadMXBean. Reached by reflection: the tests
 * run as the kvm module, which does not read java.management (reflection needs no reads edge).
 */
public final class Allocations {
    private Allocations() {}

    public static long currentThread() {
        try {
            Object bean = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
            Method m = Class.forName("com.sun.management.ThreadMXBean").getMethod("getCurrentThreadAllocatedBytes");
            return (long) m.invoke(bean);
        } catch (ReflectiveOperationException | LinkageError e) {
            throw Assumptions.<RuntimeException>abort("this JVM cannot count allocated bytes: " + e);
        }
    }
}
