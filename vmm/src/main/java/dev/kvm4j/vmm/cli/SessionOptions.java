package dev.kvm4j.vmm.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The options of a running machine's session, declared once for {@code run} and {@code restore} (a picocli
 * mixin): whether a guest reboot ends kvm4j, the control socket, and how much kvm4j says.
 */
final class SessionOptions {
    @Option(names = "--no-reboot", description = "When the guest reboots (PSCI SYSTEM_RESET), end kvm4j instead of booting the machine again.")
    boolean noReboot;

    @Option(names = "--control", paramLabel = "SOCKET", description = {"Listen on this Unix socket for one-line commands: "
            + "pause, resume, snapshot FILE, status, quit; each is answered with one line, 'ok ...' or 'error ...'."})
    Path control;

    @Option(names = {"-v", "--verbose"}, description = "Say what is being done; show stack traces with errors.")
    boolean verbose;

    Optional<Path> control() { return Optional.ofNullable(control); }
}
