package dev.kvm4j.vmm.gdb;

/**
 * Why the machine stopped, as a {@code T} stop reply tells gdb: every stop is SIGTRAP (5) on a thread, or SIGINT
 * (2) after an interrupt; a watchpoint adds its address; {@link Exited} ends the session.
 */
public sealed interface StopEvent {
    int SIGINT = 2, SIGTRAP = 5;

    /** A stop on {@code vcpu}. */
    record Stopped(int vcpu, int signal, Kind kind, long address) implements StopEvent {
        public static Stopped trap(int vcpu) { return new Stopped(vcpu, SIGTRAP, Kind.OTHER, 0); }
    }

    /** The machine ended (guest power-off or {@code k}); {@code status} is for the {@code W} reply. */
    record Exited(int status) implements StopEvent {}

    /** What a trap was, for gdb's {@code swbreak}/{@code hwbreak}/{@code watch}/{@code rwatch}/{@code awatch}. */
    enum Kind { OTHER, SOFTWARE_BREAK, HARDWARE_BREAK, WATCH, READ_WATCH, ACCESS_WATCH }
}
