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
    /**
     * One patched instruction.
     *
     * @param address the guest virtual address
     * @param physical the guest physical address the bytes were written at
     * @param set the instruction set, which decides the breakpoint instruction and its size
     * @param original the guest's own bytes, put back on removal
     */
    public record Patch(long address, long physical, InstructionSet set, byte[] original) {
        @Override
        public String toString() { return String.format("%s breakpoint at 0x%x (pa 0x%x)", set, address, physical); }
    }

    /**
     * Why an insert or remove did nothing: the address is not in RAM, there is no breakpoint there, or the
     * guest overwrote the breakpoint instruction (its bytes were kept).
     */
    public enum Failure {
        /** The address is not in guest RAM. */
        NOT_IN_RAM,
        /** There is no breakpoint at the address. */
        NOT_INSERTED,
        /** The guest overwrote the breakpoint instruction; its bytes were kept. */
        CHANGED_UNDER_US
    }

    private final PhysicalMemory memory;
    private final Map<Long, Patch> patches = new LinkedHashMap<>();
    private final Map<Long, Patch> suspended = new LinkedHashMap<>();

    /**
     * An empty table over a guest's memory.
     *
     * @param memory the guest physical memory patches are written to
     */
    public SoftwareBreakpoints(PhysicalMemory memory) { this.memory = memory; }

    /**
     * Patches a breakpoint at virtual {@code address}, which translates to {@code physical}.
     *
     * @param address the guest virtual address
     * @param physical what it translates to
     * @param set the instruction set of the code there
     * @return empty on success (or if one is there already), {@link Failure#NOT_IN_RAM} when the instruction is not in RAM
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
     *
     * @param address the guest virtual address
     * @return empty on success, else why nothing was restored
     */
    public Optional<Failure> remove(long address) {
        Patch p = patches.remove(address);
        if (p == null) return suspended.remove(address) == null ? Optional.of(Failure.NOT_INSERTED) : Optional.empty();
        return restore(p);
    }

    /**
     * The patch at {@code address}, inserted and not suspended.
     *
     * @param address the guest virtual address
     * @return the patch, or empty
     */
    public Optional<Patch> at(long address) { return Optional.ofNullable(patches.get(address)); }

    /**
     * Whether a breakpoint is patched in at an address (a suspended one is not).
     *
     * @param address the guest virtual address
     * @return true if one is
     */
    public boolean contains(long address) { return patches.containsKey(address); }

    /**
     * Restores the original instruction at {@code address} until {@link #resume}.
     *
     * @param address the guest virtual address
     * @return false when there is no breakpoint there
     */
    public boolean suspend(long address) {
        Patch p = patches.remove(address);
        if (p == null) return false;
        restore(p);
        suspended.put(address, p);
        return true;
    }

    /**
     * Patches the breakpoint back after {@link #suspend}.
     *
     * @param address the guest virtual address
     */
    public void resume(long address) {
        Patch p = suspended.remove(address);
        if (p != null) insert(p.address(), p.physical(), p.set());
    }

    /**
     * Removes every breakpoint (detach, end of session).
     *
     * @return those whose bytes the guest had changed, which were left as the guest wrote them
     */
    public List<Patch> clear() {
        List<Patch> changed = new java.util.ArrayList<>();
        for (Patch p : List.copyOf(patches.values())) {
            if (remove(p.address()).isPresent()) changed.add(p);
        }
        suspended.clear();
        return changed;
    }

    /** {@return every breakpoint patched in, in insertion order} */
    public Collection<Patch> all() { return List.copyOf(patches.values()); }

    private Optional<Failure> restore(Patch p) {
        byte[] now = new byte[p.set().size()];
        if (!memory.read(p.physical(), now)) return Optional.of(Failure.NOT_IN_RAM);
        if (!Arrays.equals(now, p.set().breakpointBytes())) return Optional.of(Failure.CHANGED_UNDER_US);
        memory.write(p.physical(), p.original());
        return Optional.empty();
    }
}
