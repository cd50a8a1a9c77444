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
    /**
     * Builds the machine, boots it and runs it to its end.
     *
     * @param config the checked config
     * @return the status kvm4j ends with (0 when the guest powered off)
     * @throws Exception anything the user can fix as a {@link BadInputException}; anything else is a bug or the host's
     */
    int run(MachineConfig config) throws Exception;

    /**
     * {@link #run(MachineConfig)} with a gdb stub ({@code --gdb}); runners without one refuse it.
     *
     * @param config the checked config
     * @param gdb where the stub listens, and whether the guest waits for it
     * @return the status kvm4j ends with
     * @throws Exception as {@link #run(MachineConfig)}
     */
    default int run(MachineConfig config, GdbOption gdb) throws Exception {
        throw new ConfigException("--gdb: this runner has no gdb stub");
    }

    /**
     * {@code kvm4j restore FILE}: brings back the machine a snapshot holds and runs it like {@link #run}.
     *
     * @param file the snapshot
     * @param verbose show details and stack traces with errors
     * @param noReboot end at a guest reboot instead of booting again
     * @param control a control socket to listen on, if any
     * @return the status kvm4j ends with
     * @throws Exception as {@link #run(MachineConfig)}
     */
    default int restore(Path file, boolean verbose, boolean noReboot, Optional<Path> control) throws Exception {
        throw new UnsupportedOperationException("this runner cannot restore snapshots");
    }
}
