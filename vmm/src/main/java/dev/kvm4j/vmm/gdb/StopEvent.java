package dev.kvm4j.vmm.gdb;

/**
 * Why the machine stopped, as a {@code T} stop reply tells gdb: every stop is SIGTRAP (5) on a thread, or SIGINT
 * (2) after an interrupt; a watchpoint adds its address; {@link Exited} ends the session.
 */
public sealed interface StopEvent {
    /** The signal numbers gdb is told: SIGINT after an interrupt, SIGTRAP for every other stop. */
    int SIGINT = 2, SIGTRAP = 5;

    /**
     * A stop on {@code vcpu}.
     *
     * @param vcpu the vCPU id that stopped
     * @param signal {@link #SIGTRAP} or {@link #SIGINT}
     * @param kind what the trap was
     * @param address the watched address that was hit, for a watchpoint; 0 otherwise
     */
    record Stopped(int vcpu, int signal, Kind kind, long address) implements StopEvent {
        /**
         * A plain trap (a step ended, or a stop with no more to say).
         *
         * @param vcpu the vCPU id that stopped
         * @return a SIGTRAP stop of kind {@link Kind#OTHER}
         */
        public static Stopped trap(int vcpu) { return new Stopped(vcpu, SIGTRAP, Kind.OTHER, 0); }
    }

    /**
     * The machine ended (guest power-off or {@code k}); {@code status} is for the {@code W} reply.
     *
     * @param status the exit status gdb is told
     */
    record Exited(int status) implements StopEvent {}

    /** What a trap was, for gdb's {@code swbreak}/{@code hwbreak}/{@code watch}/{@code rwatch}/{@code awatch}. */
    enum Kind {
        /** A step or an interrupt: no reason named. */
        OTHER,
        /** A software breakpoint ({@code swbreak}). */
        SOFTWARE_BREAK,
        /** A hardware breakpoint ({@code hwbreak}). */
        HARDWARE_BREAK,
        /** A write watchpoint ({@code watch}). */
        WATCH,
        /** A read watchpoint ({@code rwatch}). */
        READ_WATCH,
        /** An access watchpoint ({@code awatch}). */
        ACCESS_WATCH
    }
}
