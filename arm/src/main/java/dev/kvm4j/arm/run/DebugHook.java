package dev.kvm4j.arm.run;

import dev.kvm4j.kvm.Vcpu;
import dev.kvm4j.kvm.VcpuExit;

/**
 * What a machine loop does with a KVM_EXIT_DEBUG (guest debugging is on): called on the vCPU's own thread.
 * Without a hook a debug exit ends the machine as unexpected.
 */
@FunctionalInterface
public interface DebugHook {
    /**
     * A debug exit of {@code vcpu}, on its own thread.
     *
     * @param vcpu the vCPU that exited
     * @param exit the exit, valid until the vCPU runs again
     * @return true if the debugger wants this stop, so the vCPU parks (as in a pause) instead of entering KVM_RUN again
     */
    boolean debugExit(Vcpu vcpu, VcpuExit.Debug exit);
}
