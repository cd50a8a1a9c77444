package dev.kvm4j.vmm;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The boot timeline {@code --timings} prints: named moments (load, VM created, first instruction, first
 * console byte, exit) in milliseconds since kvm4j started the run. Marks come from several threads.
 */
public final class BootTimeline {
    /** Kernel, initrd and device tree are in guest RAM. */
    public static final String LOADED = "kernel, initrd and DTB loaded";
    /** The VM exists. */
    public static final String VM_CREATED = "VM created";
    /** The first KVM_RUN. */
    public static final String FIRST_INSTRUCTION = "first instruction";
    /** The guest's first byte on the console. */
    public static final String FIRST_CONSOLE_BYTE = "first console byte";
    /** The run ended. */
    public static final String EXIT = "exit";

    /**
     * One moment.
     *
     * @param name what happened
     * @param nanos nanoseconds since the start
     */
    public record Mark(String name, long nanos) {}

    private final long start;
    private final List<Mark> marks = new ArrayList<>();

    /** A timeline starting now. */
    public BootTimeline() {
        this(System.nanoTime());
    }

    /**
     * A timeline starting at a {@link System#nanoTime()} reading taken earlier (the JVM's start, say).
     *
     * @param startNanos the start
     */
    public BootTimeline(long startNanos) {
        this.start = startNanos;
    }

    /**
     * Records {@code name} now.
     *
     * @param name what happened
     */
    public void mark(String name) {
        mark(name, System.nanoTime());
    }

    /**
     * Records {@code name} at a {@link System#nanoTime()} reading.
     *
     * @param name what happened
     * @param nanos when
     */
    public synchronized void mark(String name, long nanos) {
        marks.add(new Mark(name, nanos - start));
    }

    /**
     * Records {@code name} only the first time: for events like the first console byte.
     *
     * @param name what happened
     * @return true if this call recorded it
     */
    public synchronized boolean markOnce(String name) {
        if (marks.stream().anyMatch(m -> m.name().equals(name))) return false;
        mark(name);
        return true;
    }

    /** {@return the marks so far, in order} */
    public synchronized List<Mark> marks() {
        return List.copyOf(marks);
    }

    /** {@return one line per mark: time since start and since the previous mark} */
    public synchronized String report() {
        StringBuilder sb = new StringBuilder("boot timeline (ms since start, +since previous):\n");
        long previous = 0;
        for (Mark m : marks) {
            sb.append(String.format(Locale.ROOT, "  %9.3f  +%8.3f  %s%n", m.nanos() / 1e6, (m.nanos() - previous) / 1e6, m.name()));
            previous = m.nanos();
        }
        return sb.toString();
    }
}
