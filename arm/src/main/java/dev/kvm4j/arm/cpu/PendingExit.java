package dev.kvm4j.arm.cpu;

import dev.kvm4j.kvm.Vcpu;
import dev.kvm4j.kvm.VcpuExit;
import dev.kvm4j.kvm.abi.ExitReason;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.kvm4j.kvm.abi.KvmStructs.STRUCT_KVM_RUN;
import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

/**
 * After an MMIO or port-I/O exit KVM finishes the guest's access (loads the data, steps PC) only at the
 * next KVM_RUN. The KVM API's way to finish it without running a guest instruction is a KVM_RUN with
 * {@code immediate_exit} set, which returns EINTR once the access is done. A reset or a snapshot needs
 * that first, or the step lands on whatever PC the vCPU has by then.
 */
public final class PendingExit {
    private static final long EXIT_REASON = STRUCT_KVM_RUN.byteOffset(groupElement("exit_reason"));
    private static final long IMMEDIATE_EXIT = STRUCT_KVM_RUN.byteOffset(groupElement("immediate_exit"));

    private PendingExit() {}

    /** Finishes a pending MMIO/I/O access of the last exit, if there is one; runs no guest instruction. */
    public static void complete(Vcpu vcpu) {
        MemorySegment run = vcpu.kvmRun();
        int reason = run.get(ValueLayout.JAVA_INT, EXIT_REASON);
        if (reason != ExitReason.KVM_EXIT_MMIO && reason != ExitReason.KVM_EXIT_IO) return;
        run.set(ValueLayout.JAVA_BYTE, IMMEDIATE_EXIT, (byte) 1);
        VcpuExit exit = vcpu.run();
        if (!(exit instanceof VcpuExit.Interrupted)) {
            throw new IllegalStateException("KVM_RUN with immediate_exit set ran the guest: exit " + exit);
        }
    }
}
