package dev.kvm4j.arm.regs;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * An immutable snapshot of a vCPU's registers: the core registers of {@code struct kvm_regs} and the other
 * registers (system, firmware, demux, SVE) as an (id, value) list, as the kernel lists them. Values of any
 * size; "changing" a register gives a new state. Iteration order: core registers in {@code kvm_regs} order,
 * then the rest by unsigned id.
 */
public final class CpuState {
    /** Core first (by offset), then everything else as the kernel sorts ids. */
    public static final Comparator<RegisterId> ORDER = Comparator
            .comparingInt((RegisterId id) -> id.group() == RegisterGroup.CORE ? 0 : 1)
            .thenComparingInt(id -> id.group() == RegisterGroup.CORE ? id.coreWordIndex() : 0)
            .thenComparing(Comparator.naturalOrder());

    private static final CpuState EMPTY = new CpuState(new TreeMap<>(ORDER));

    private final SortedMap<RegisterId, RegisterValue> values;

    private CpuState(SortedMap<RegisterId, RegisterValue> values) { this.values = Collections.unmodifiableSortedMap(values); }

    /** {@return the state of no registers} */
    public static CpuState empty() { return EMPTY; }

    /**
     * A state of these values; each value's size must be its id's.
     *
     * @param values the registers and their values
     * @return the state, in register order
     * @throws IllegalArgumentException if a value's size is not its id's
     */
    public static CpuState of(Map<RegisterId, RegisterValue> values) {
        TreeMap<RegisterId, RegisterValue> m = new TreeMap<>(ORDER);
        values.forEach((id, v) -> m.put(id, checked(id, v)));
        return new CpuState(m);
    }

    private static RegisterValue checked(RegisterId id, RegisterValue v) {
        if (v == null) throw new NullPointerException("no value for " + id.name());
        if (v.size() != id.size()) {
            throw new IllegalArgumentException(id.name() + " is " + id.size() + " bytes, the value " + v + " is " + v.size());
        }
        return v;
    }

    /**
     * A register's value, if this state has it.
     *
     * @param id the register
     * @return its value, or empty
     */
    public Optional<RegisterValue> find(RegisterId id) { return Optional.ofNullable(values.get(id)); }

    /**
     * Whether this state has a register.
     *
     * @param id the register
     * @return true if it has a value here
     */
    public boolean contains(RegisterId id) { return values.containsKey(id); }

    /**
     * A register's value.
     *
     * @param id the register
     * @return its value
     * @throws java.util.NoSuchElementException if this state lacks it
     */
    public RegisterValue get(RegisterId id) {
        RegisterValue v = values.get(id);
        if (v == null) throw new NoSuchElementException(id.name() + " is not in this state");
        return v;
    }

    /**
     * A core register's value.
     *
     * @param r the register
     * @return its value
     * @throws java.util.NoSuchElementException if this state lacks it
     */
    public RegisterValue get(CoreRegister r) { return get(r.registerId()); }

    /**
     * By name ({@code X5}, {@code SCTLR_EL1}, {@code S3_0_C0_C3_3}...).
     *
     * @param name the register's name
     * @return its value
     * @throws IllegalArgumentException if the name names no register
     * @throws java.util.NoSuchElementException if this state lacks it
     */
    public RegisterValue get(String name) { return get(RegisterId.parse(name)); }

    /**
     * A register of at most 64 bits as a long.
     *
     * @param id the register
     * @return its value, zero-extended
     * @throws java.util.NoSuchElementException if this state lacks it
     */
    public long getLong(RegisterId id) { return get(id).asLong(); }

    /**
     * A core register of at most 64 bits as a long.
     *
     * @param r the register
     * @return its value, zero-extended
     * @throws java.util.NoSuchElementException if this state lacks it
     */
    public long getLong(CoreRegister r) { return get(r).asLong(); }

    /**
     * This state with one register set.
     *
     * @param id the register
     * @param value its new value, of the register's size
     * @return the new state (this one is unchanged)
     * @throws IllegalArgumentException if the value's size is not the register's
     */
    public CpuState with(RegisterId id, RegisterValue value) {
        TreeMap<RegisterId, RegisterValue> m = new TreeMap<>(values);
        m.put(id, checked(id, value));
        return new CpuState(m);
    }

    /**
     * Sets a register of at most 64 bits; the value is cut to the register's size.
     *
     * @param id the register
     * @param value its new value
     * @return the new state (this one is unchanged)
     */
    public CpuState with(RegisterId id, long value) { return with(id, RegisterValue.of(value, id.size())); }

    /**
     * Sets a core register of at most 64 bits.
     *
     * @param r the register
     * @param value its new value
     * @return the new state (this one is unchanged)
     */
    public CpuState with(CoreRegister r, long value) { return with(r.registerId(), value); }

    /**
     * Sets a core register.
     *
     * @param r the register
     * @param value its new value, of the register's size
     * @return the new state (this one is unchanged)
     */
    public CpuState with(CoreRegister r, RegisterValue value) { return with(r.registerId(), value); }

    /**
     * This state without one register.
     *
     * @param id the register
     * @return the new state (this one is unchanged)
     */
    public CpuState without(RegisterId id) {
        TreeMap<RegisterId, RegisterValue> m = new TreeMap<>(values);
        m.remove(id);
        return new CpuState(m);
    }

    /** {@return every register, core first} */
    public SortedMap<RegisterId, RegisterValue> values() { return values; }

    /** {@return the ids of every register, in order} */
    public List<RegisterId> ids() { return List.copyOf(values.keySet()); }

    /** {@return the core registers ({@code struct kvm_regs})} */
    public Map<RegisterId, RegisterValue> core() { return select(true); }

    /** {@return everything else: the (id, value) tuple list} */
    public Map<RegisterId, RegisterValue> others() { return select(false); }

    private Map<RegisterId, RegisterValue> select(boolean core) {
        Map<RegisterId, RegisterValue> m = new LinkedHashMap<>();
        values.forEach((id, v) -> {
            if ((id.group() == RegisterGroup.CORE) == core) m.put(id, v);
        });
        return Collections.unmodifiableMap(m);
    }

    /** {@return the number of registers} */
    public int size() { return values.size(); }

    /**
     * What differs from this state to {@code after}, in register order.
     *
     * @param after the later state
     * @return one change per register added, removed or changed
     */
    public List<RegisterChange> diff(CpuState after) {
        TreeSet<RegisterId> ids = new TreeSet<>(ORDER);
        ids.addAll(values.keySet());
        ids.addAll(after.values.keySet());
        List<RegisterChange> changes = new ArrayList<>();
        for (RegisterId id : ids) {
            RegisterValue a = values.get(id), b = after.values.get(id);
            if (a == null || !a.equals(b)) changes.add(new RegisterChange(id, a, b));
        }
        return changes;
    }

    /**
     * The diff as lines, {@code SCTLR_EL1: 0x30d00800 → 0x30d0180d}; empty when equal.
     *
     * @param after the later state
     * @return the lines
     */
    public String describeDiff(CpuState after) {
        return diff(after).stream().map(RegisterChange::toString).collect(Collectors.joining("\n"));
    }

    @Override
    public boolean equals(Object o) { return o instanceof CpuState s && values.equals(s.values); }

    @Override
    public int hashCode() { return values.hashCode(); }

    /** One {@code NAME = value} per line. */
    @Override
    public String toString() {
        return values.entrySet().stream().map(e -> e.getKey().name() + " = " + e.getValue()).collect(Collectors.joining("\n"));
    }
}
