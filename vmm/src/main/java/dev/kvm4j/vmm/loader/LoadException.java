package dev.kvm4j.vmm.loader;

import dev.kvm4j.vmm.BadInputException;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A kernel, initrd or device tree that cannot be booted, found before the VM starts. The message names
 * the file, what is wrong and the limit it broke; {@link #problem()} lets tests and callers tell cases apart.
 */
public final class LoadException extends BadInputException {
    /** What kind of problem a file has. */
    public enum Problem {
        /** Missing, a directory, or an I/O error. */
        UNREADABLE,
        /** Shorter than its own header says. */
        TRUNCATED,
        /** Not the format expected (wrong magic). */
        BAD_MAGIC,
        /** The right format with impossible header fields. */
        BAD_HEADER,
        /** Compressed data that does not decompress. */
        CORRUPT,
        /** A valid image kvm4j does not boot (big-endian, unknown compression). */
        UNSUPPORTED,
        /** Larger than a fixed limit (guest RAM, 2 MiB for a DTB). */
        TOO_BIG,
        /** Does not fit guest RAM next to the other images. */
        DOES_NOT_FIT
    }

    /** "kernel", "initrd" or "device tree". */
    private final String role;
    /** The file, or null for the device tree kvm4j made. */
    private final Path file;
    /** What kind of problem. */
    private final Problem problem;

    /**
     * A file that cannot be booted.
     *
     * @param role "kernel", "initrd" or "device tree"
     * @param file null for things kvm4j made itself (the device tree)
     * @param problem what kind of problem
     * @param detail what is wrong and the limit it broke, for the message
     */
    public LoadException(String role, Path file, Problem problem, String detail) {
        this(role, file, problem, detail, null);
    }

    /**
     * A file that cannot be booted, found through another failure (an I/O error, a corrupt stream).
     *
     * @param role "kernel", "initrd" or "device tree"
     * @param file null for things kvm4j made itself (the device tree)
     * @param problem what kind of problem
     * @param detail what is wrong and the limit it broke, for the message
     * @param cause the failure
     */
    public LoadException(String role, Path file, Problem problem, String detail, Throwable cause) {
        super(oneLine(role + (file == null ? "" : " " + file) + ": " + detail), cause);
        this.role = role;
        this.file = file;
        this.problem = problem;
    }

    /** A user sees the message as one line: a control character in a path or an I/O error's text must not break it. */
    private static String oneLine(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(c -> {
            if (Character.isISOControl(c)) b.append(String.format("\\x%02x", c));
            else b.appendCodePoint(c);
        });
        return b.toString();
    }

    /** {@return "kernel", "initrd" or "device tree"} */
    public String role() { return role; }

    /** {@return the file, empty for the device tree kvm4j made} */
    public Optional<Path> file() { return Optional.ofNullable(file); }

    /** {@return what kind of problem} */
    public Problem problem() { return problem; }
}
