package dev.kvm4j.arm.run;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Bytes the current thread has allocated, from HotSpot's per-thread counter. Reached reflectively because
 * the arm module does not read java.management; tests run on the class path, where everything is readable.
 */
final class ThreadAllocation {
    private static final Object BEAN;
    private static final MethodHandle CURRENT;

    static {
        try {
            BEAN = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
            Class<?> hotspot = Class.forName("com.sun.management.ThreadMXBean");
            CURRENT = MethodHandles.publicLookup().findVirtual(hotspot, "getCurrentThreadAllocatedBytes", MethodType.methodType(long.class))
                    .asType(MethodType.methodType(long.class, Object.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private ThreadAllocation() {}

    static long bytes() {
        try {
            return (long) CURRENT.invokeExact(BEAN);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
