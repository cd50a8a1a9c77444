package dev.kvm4j.arm.state;

/**
 * A vCPU's power state as arm64 KVM keeps it ({@code KVM_GET_MP_STATE}): a vCPU initialised with
 * {@code POWER_OFF} or turned off by PSCI {@code CPU_OFF} is STOPPED until a {@code CPU_ON}; SUSPENDED is a
 * PSCI {@code SYSTEM_SUSPEND} the VMM asked to see (kernels ≥ 6.0).
 */
public enum MpState {
    /** Running, or able to run. */
    RUNNABLE(StateAbi.KVM_MP_STATE_RUNNABLE),
    /** Off until a PSCI {@code CPU_ON}. */
    STOPPED(StateAbi.KVM_MP_STATE_STOPPED),
    /** In a PSCI {@code SYSTEM_SUSPEND} the VMM asked to see. */
    SUSPENDED(StateAbi.KVM_MP_STATE_SUSPENDED);

    private final int code;

    MpState(int code) { this.code = code; }

    /** {@return the {@code kvm_mp_state.mp_state} value} */
    public int code() { return code; }

    /**
     * The state for a kernel value; one arm64 never uses is an error naming it.
     *
     * @param code the {@code kvm_mp_state.mp_state} value
     * @return the state
     * @throws IllegalArgumentException for a value arm64 KVM does not use
     */
    public static MpState of(int code) {
        for (MpState s : values()) if (s.code == code) return s;
        throw new IllegalArgumentException("mp_state " + code + " is not one arm64 KVM uses (RUNNABLE 0, STOPPED 5, SUSPENDED 10)");
    }
}
