package dev.kvm4j.vmm;

import dev.kvm4j.vmm.gdb.GdbOption;

import java.nio.file.Path;
import java.util.Optional;

/**
 * What {@code kvm4j run} hands a checked config to: builds the machine, boots it and returns the exit
 * status kvm4j ends with (0 when the guest powered off). Errors the user can fix are thrown as
 * {@link BadInputException}; the command line turns them into one line and status 2.
 */
@FunctionalInterface
public interface MachineRunner {
    int run(MachineConfig config) throws Exception;

    /** {@link #run(MachineConfig)} with a gdb stub ({@code --gdb}); runners without one refuse it. */
    default int run(MachineConfig config, GdbOption gdb) throws Exception {
        throw new ConfigException("--gdb: this runner has no gdb stub");
    }

    /** {@code kvm4j restore FILE}: brings back the machine a snapshot holds and runs it like {@link #run}. */
    default int restore(Path file, boolean verbose, boolean noReboot, Optional<Path> control) throws Exception {
        throw new UnsupportedOperationException("this runner cannot restore snapshots");
    }
}
