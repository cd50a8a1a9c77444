package dev.kvm4j.arm.debug;

/** The outcome of translating a guest virtual address: a physical address, or why there is none. */
public sealed interface Translation {
    /** {@code physical} is the byte {@code va} maps to; the mapping is {@code blockSize} bytes, naturally aligned. */
    record Mapped(long physical, long blockSize) implements Translation {}

    /** No mapping; {@code level} is the table level where the walk stopped (-1: before any table). */
    record Fault(String reason, int level) implements Translation {
        @Override
        public String toString() { return level < 0 ? reason : reason + " at level " + level; }
    }

    static Translation fault(String reason) { return new Fault(reason, -1); }
}
