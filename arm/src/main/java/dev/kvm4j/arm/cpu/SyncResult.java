package dev.kvm4j.arm.cpu;

import dev.kvm4j.arm.regs.RegisterId;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What a get or put of many registers did: how many moved, and every register that did not. A failure
 * never stops the others; callers decide with {@link #orThrow()} whether any failure is fatal.
 */
public record SyncResult(String operation, SyncLevel level, int transferred, List<RegisterFailure> failures) {
    public SyncResult {
        failures = List.copyOf(failures);
    }

    public boolean ok() { return failures.isEmpty(); }

    /** This result, or a {@link RegisterSyncException} listing every failure. */
    public SyncResult orThrow() {
        if (!ok()) throw new RegisterSyncException(this);
        return this;
    }

    /** "put at FULL: 257 registers, 1 failed:\n  MIDR_EL1 is fixed by the host: ...". */
    public String describe() {
        String head = operation + " at " + level + ": " + transferred + " registers";
        if (ok()) return head;
        return head + ", " + failures.size() + " failed:\n" + failures.stream().map(f -> "  " + f.message()).collect(Collectors.joining("\n"));
    }

    /** The failure for one register, if any. */
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
