package dev.kvm4j.kvm;

/**
 * A vCPU call was refused because a thread is inside {@code KVM_RUN} on that vCPU. The kernel would make the
 * call wait for the guest to leave, which a halted or spinning guest never does. Pause the machine (its vCPU
 * threads leave KVM_RUN) or kick the vCPU and call again once its {@code run()} has returned.
 */
public final class VcpuRunningException extends IllegalStateException {
    /**
     * A refused vCPU call.
     *
     * @param message names the call and the vCPU, and what to do
     */
    public VcpuRunningException(String message) {
        super(message);
    }
}
