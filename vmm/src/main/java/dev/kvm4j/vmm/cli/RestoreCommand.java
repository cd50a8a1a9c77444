package dev.kvm4j.vmm.cli;

import dev.kvm4j.vmm.MachineRunner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code kvm4j restore FILE}: the machine a snapshot holds, running again with its console. */
@Command(name = "restore", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Bring back a machine saved with 'snapshot FILE' on the control socket (or Machine.snapshot) and run it "
                + "with its console, from the instruction it was paused at. The host must match the one the snapshot was "
                + "taken on (CPU registers and ID values, GIC version, vCPU features): a difference is refused before the "
                + "guest runs, naming each one. Guest time is frozen across the snapshot: the guest's clock resumes where it stopped."},
        footerHeading = "%nExamples:%n",
        footer = {"  kvm4j restore vm.snap", "  kvm4j restore vm.snap --control /tmp/vm.sock"})
public final class RestoreCommand implements Callable<Integer> {
    private final MachineRunner runner;

    @Parameters(index = "0", paramLabel = "FILE", description = "The snapshot file.")
    Path file;

    @Mixin
    SessionOptions session = new SessionOptions();

    public RestoreCommand(MachineRunner runner) {
        this.runner = runner;
    }

    @Override
    public Integer call() throws Exception {
        return runner.restore(file, session.verbose, session.noReboot, session.control());
    }
}
