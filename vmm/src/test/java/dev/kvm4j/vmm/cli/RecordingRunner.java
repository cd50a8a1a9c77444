package dev.kvm4j.vmm.cli;

import dev.kvm4j.vmm.MachineConfig;
import dev.kvm4j.vmm.MachineRunner;
import dev.kvm4j.vmm.gdb.GdbOption;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** A runner that only records what the command line handed it, for the CLI's host tests; each entry answers 0. */
final class RecordingRunner implements MachineRunner {
    final StringWriter out = new StringWriter(), err = new StringWriter();
    /** What {@code run} without {@code --gdb} got, or null. */
    MachineConfig plain;
    /** What {@code run --gdb} got, or null. */
    GdbOption gdb;
    /** What {@code restore} got: file, verbose, noReboot, control; or null. */
    List<Object> restored;

    /** kvm4j with this runner behind its commands; the exit status. */
    int kvm4j(String... args) {
        return Main.execute(args, this, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Override
    public int run(MachineConfig config) {
        plain = config;
        return 0;
    }

    @Override
    public int run(MachineConfig config, GdbOption option) {
        gdb = option;
        return 0;
    }

    @Override
    public int restore(Path file, boolean verbose, boolean noReboot, Optional<Path> control) {
        restored = List.of(file, verbose, noReboot, control);
        return 0;
    }
}
