package dev.kvm4j.arm.debug;

import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The breakpoint instructions a debugger has patched into guest memory, by guest virtual address (what the
 * PC shows when one is hit), each with the physical address written and the original bytes. The table never
 * patches twice over itself: inserting at an address that has one is a no-op, so removing restores the
 * guest's own bytes, not a breakpoint.
 * <p>
 * Stepping over one: {@link #suspend} it (the original instruction is back), single-step, {@link #resume} it.
 * Not thread-safe: the debugger's one thread owns it while the vCPUs are paused.
 */
public final class SoftwareBreakpoints {
    /** One patched instruction. */
    public record Patch(long address, long physical, InstructionSet set, byte[] original) {
        @Override
        public String toString() { return String.format("%s breakpoint at 0x%x (pa 0x%x)", set, address, physical); }
    }

    /** Why an insert or remove did nothing. */
    public enum Failure { NOT_IN_RAM, NOT_INSERTED, CHANGED_UNDER_US }

    private final PhysicalMemory memory;
    private final Map<Long, Patch> patches = new LinkedHashMap<>();
    private final Map<Long, Patch> suspended = new LinkedHashMap<>();

    public SoftwareBreakpoints(PhysicalMemory memory) { this.memory = memory; }

    /**
     * Patches a breakpoint at virtual {@code address}, which translates to {@code physical}; empty on success,
     * {@link Failure#NOT_IN_RAM} when the instruction is not in RAM.
     */
    public Optional<Failure> insert(long address, long physical, InstructionSet set) {
        if (patches.containsKey(address) || suspended.containsKey(address)) return Optional.empty();
        byte[] original = new byte[set.size()];
        if (!memory.read(physical, original)) return Optional.of(Failure.NOT_IN_RAM);
        if (!memory.write(physical, set.breakpointBytes())) return Optional.of(Failure.NOT_IN_RAM);
        patches.put(address, new Patch(address, physical, set, original));
        return Optional.empty();
    }

    /**
     * Puts the original bytes back. If the guest has since overwritten the breakpoint (it loaded new code
     * there), its bytes win and the answer says so.
     */
    public Optional<Failure> remove(long address) {
        Patch p = patches.remove(address);
        if (p == null) return suspended.remove(address) == null ? Optional.of(Failure.NOT_INSERTED) : Optional.empty();
        return restore(p);
    }

    /** The patch at {@code address}, inserted and not suspended. */
    public Optional<Patch> at(long address) { return Optional.ofNullable(patches.get(address)); }

    public boolean contains(long address) { return patches.containsKey(address); }

    /** Restores the original instruction at {@code address} until {@link #resume}; false when there is none. */
    public boolean suspend(long address) {
        Patch p = patches.remove(address);
        if (p == null) return false;
        restore(p);
        suspended.put(address, p);
        return true;
    }

    /** Patches the breakpoint back after {@link #suspend}. */
    public void resume(long address) {
        Patch p = suspended.remove(address);
        if (p != null) insert(p.address(), p.physical(), p.set());
    }

    /** Removes every breakpoint (detach, end of session); returns those whose bytes the guest had changed. */
    public List<Patch> clear() {
        List<Patch> changed = new java.util.ArrayList<>();
        for (Patch p : List.copyOf(patches.values())) {
            if (remove(p.address()).isPresent()) changed.add(p);
        }
        suspended.clear();
        return changed;
    }

    public Collection<Patch> all() { return List.copyOf(patches.values()); }

    private Optional<Failure> restore(Patch p) {
        byte[] now = new byte[p.set().size()];
        if (!memory.read(p.physical(), now)) return Optional.of(Failure.NOT_IN_RAM);
        if (!Arrays.equals(now, p.set().breakpointBytes())) return Optional.of(Failure.CHANGED_UNDER_US);
        memory.write(p.physical(), p.original());
        return Optional.empty();
    }
}
