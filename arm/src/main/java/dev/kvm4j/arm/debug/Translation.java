package dev.kvm4j.arm.debug;

/** The outcome of translating a guest virtual address: a physical address, or why there is none. */
public sealed interface Translation {
    /**
     * A mapping.
     *
     * @param physical the byte the virtual address maps to
     * @param blockSize the size of the page or block it is in, naturally aligned
     */
    record Mapped(long physical, long blockSize) implements Translation {}

    /**
     * No mapping.
     *
     * @param reason why, for people
     * @param level the table level where the walk stopped (-1: before any table)
     */
    record Fault(String reason, int level) implements Translation {
        @Override
        public String toString() { return level < 0 ? reason : reason + " at level " + level; }
    }

    /**
     * A fault before any table was read.
     *
     * @param reason why, for people
     * @return the fault
     */
    static Translation fault(String reason) { return new Fault(reason, -1); }
}
