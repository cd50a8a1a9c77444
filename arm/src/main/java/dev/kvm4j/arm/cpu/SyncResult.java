package dev.kvm4j.arm.cpu;

import dev.kvm4j.arm.regs.RegisterId;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What a get or put of many registers did: how many moved, and every register that did not. A failure
 * never stops the others; callers decide with {@link #orThrow()} whether any failure is fatal.
 *
 * @param operation "get" or "put"
 * @param level the level synced
 * @param transferred how many registers moved
 * @param failures every register that did not
 */
public record SyncResult(String operation, SyncLevel level, int transferred, List<RegisterFailure> failures) {
    /** A result, with a copy of the failures. */
    public SyncResult {
        failures = List.copyOf(failures);
    }

    /** {@return true if every register moved} */
    public boolean ok() { return failures.isEmpty(); }

    /**
     * This result, or a {@link RegisterSyncException} listing every failure.
     *
     * @return this result, when {@link #ok()}
     * @throws RegisterSyncException naming every register that did not move
     */
    public SyncResult orThrow() {
        if (!ok()) throw new RegisterSyncException(this);
        return this;
    }

    /** {@return for people: "put at FULL: 257 registers, 1 failed:", then one line per failure} */
    public String describe() {
        String head = operation + " at " + level + ": " + transferred + " registers";
        if (ok()) return head;
        return head + ", " + failures.size() + " failed:\n" + failures.stream().map(f -> "  " + f.message()).collect(Collectors.joining("\n"));
    }

    /**
     * The failure for one register, if any.
     *
     * @param id the register
     * @return its failure, or empty if it moved (or was not synced)
     */
    public Optional<RegisterFailure> failureOf(RegisterId id) {
        return failures.stream().filter(f -> f.id().equals(id)).findFirst();
    }

    /** Merges the results of the parts of one sync (core registers, then the tuple list). */
    static SyncResult combine(String operation, SyncLevel level, SyncResult a, SyncResult b) {
        List<RegisterFailure> all = new ArrayList<>(a.failures);
        all.addAll(b.failures);
        return new SyncResult(operation, level, a.transferred + b.transferred, all);
    }
}
