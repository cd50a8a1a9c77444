package dev.kvm4j.arm.cpu;

/**
 * How much of a vCPU's state a get or put moves. Each level includes the one before it; which registers
 * belong to which level is {@link RegisterClass}'s table.
 */
public enum SyncLevel {
    /** What a running guest changes: core, FP/SIMD and SVE registers, and the system registers it writes. */
    RUNTIME,
    /** Adds what a reset must put back although the guest cannot change it (MPIDR_EL1 and the like). */
    RESET,
    /** Everything, for snapshots: adds the registers the kernel holds constant and the counters. */
    FULL;

    /**
     * Whether a sync at this level also moves what {@code other} moves.
     *
     * @param other another level
     * @return true if this level is {@code other} or above it
     */
    public boolean includes(SyncLevel other) { return compareTo(other) >= 0; }
}
