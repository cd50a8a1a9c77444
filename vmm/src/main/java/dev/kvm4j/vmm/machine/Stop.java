package dev.kvm4j.vmm.machine;

import dev.kvm4j.arm.psci.PowerEvent;
import dev.kvm4j.arm.run.RunEnd;

/** How the machine's end reads to the user of {@code ./kvm4j run}: the exit status and the line printed. */
final class Stop {
    /** What the shutdown hook hands the run loop on SIGINT/SIGTERM; kvm4j stops its machine for nothing else. */
    static final String BY_USER = "stopped by the user (SIGINT/SIGTERM)";
    /** A {@code quit} on the control socket: the owner ended the machine on purpose, status 0. */
    static final String BY_CONTROL = "stopped through the control socket";
    /** The shell's status for a run ended by SIGINT (128 + 2). */
    static final int USER_STOP_STATUS = 130;

    record Reason(int exitStatus, String message) {}

    private Stop() {}

    static Reason of(RunEnd end) {
        return switch (end) {
            case RunEnd.Power p -> switch (p.event()) {
                case PowerEvent.PowerOff _ -> new Reason(0, "the guest powered off");
                case PowerEvent.Reboot _ -> new Reason(0, "the guest asked for a reset; kvm4j stops the machine instead of rebooting it (--no-reboot)");
                case PowerEvent.Crash _ -> new Reason(1, "the guest reported a crash");
                case PowerEvent.Other _ -> new Reason(1, p.message()); // the run loop keeps going on these; here only by a bug
            };
            case RunEnd.Stopped s -> new Reason(BY_CONTROL.equals(s.reason()) ? 0 : USER_STOP_STATUS, s.reason());
            case RunEnd.UnmappedAccess u -> new Reason(1, u.message() + ": the guest touched an address the machine does not "
                    + "have (a kernel built for another board, or a wrong device tree?)");
            case RunEnd.Failure f -> new Reason(1, f.message());
        };
    }
}
