package dev.kvm4j.arm.state;

/**
 * The exception state of {@code struct kvm_vcpu_events} on arm64: an SError the vCPU has yet to take (with
 * its syndrome when {@code serrorHasEsr}) and a pending external data abort. A machine paused between a
 * host-injected SError and the guest taking it loses the SError unless this travels with the snapshot.
 * <p>As KVM reports it, {@code serrorHasEsr} says whether this host can give an SError a syndrome (it has
 * the RAS extension), pending or not; written back with nothing pending it changes nothing.
 *
 * @param serrorPending an SError waits to be taken
 * @param serrorHasEsr the SError carries {@code serrorEsr}
 * @param extDabtPending an external data abort waits to be taken
 * @param serrorEsr the SError's syndrome
 */
public record VcpuEvents(boolean serrorPending, boolean serrorHasEsr, boolean extDabtPending, long serrorEsr) {
    /** Nothing pending. */
    public static final VcpuEvents NONE = new VcpuEvents(false, false, false, 0);
}
