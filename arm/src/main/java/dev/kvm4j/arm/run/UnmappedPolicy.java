package dev.kvm4j.arm.run;

/** What a guest access to an address that neither RAM nor any device claims does. */
public enum UnmappedPolicy {
    /**
     * The machine ends with {@link RunEnd.UnmappedAccess}, which names the address, size, direction and
     * guest PC: the right choice while a guest is being brought up, where such an access is a bug.
     */
    STOP,
    /**
     * The guest takes a synchronous external data abort, as on hardware whose bus answers with an error,
     * and its own exception handler decides. Needs KVM_CAP_ARM_INJECT_EXT_DABT (Linux 5.5 and later).
     */
    EXTERNAL_ABORT,
    /** Loads read zero and stores are dropped: what Linux tolerates when it probes an absent device. */
    READ_ZERO_WRITE_IGNORE
}
