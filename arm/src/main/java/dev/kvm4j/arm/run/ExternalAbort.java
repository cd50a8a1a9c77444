package dev.kvm4j.arm.run;

import dev.kvm4j.kvm.Vcpu;
import dev.kvm4j.kvm.Vm;
import dev.kvm4j.kvm.abi.Capability;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static dev.kvm4j.arm.run.VcpuEventsAbi.STRUCT_KVM_VCPU_EVENTS;
import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * Makes a vCPU take a synchronous external data abort for the MMIO access it just exited with, as a bus
 * error would on hardware: {@code KVM_SET_VCPU_EVENTS} with {@code ext_dabt_pending}. KVM reports the
 * faulting address in FAR and does not retire the instruction, so the guest's handler sees the real PC.
 * Valid only right after an MMIO (or ARM_NISV) exit, before the vCPU runs again.
 */
public final class ExternalAbort {
    private static final long EXT_DABT_PENDING = STRUCT_KVM_VCPU_EVENTS.byteOffset(groupElement("exception"), groupElement("ext_dabt_pending"));

    /** Zeroed except for the flag, allocated once: the kernel rejects non-zero padding and reserved words. */
    private final MemorySegment events;

    /**
     * An injector whose event struct lives in {@code arena}.
     *
     * @param arena where the struct is allocated, once
     */
    public ExternalAbort(Arena arena) {
        events = arena.allocate(STRUCT_KVM_VCPU_EVENTS);
        events.set(JAVA_BYTE, EXT_DABT_PENDING, (byte) 1);
    }

    /**
     * Whether this kernel can inject an external data abort (KVM_CAP_ARM_INJECT_EXT_DABT).
     *
     * @param vm the VM
     * @return true if it can
     */
    public static boolean isSupported(Vm vm) { return vm.checkExtension(Capability.ARM_INJECT_EXT_DABT) > 0; }

    /**
     * Refuses a kernel that cannot inject the abort.
     *
     * @param vm the VM
     * @throws UnsupportedOperationException on a kernel that cannot inject the abort, saying so and what to do instead
     */
    public static void requireSupported(Vm vm) {
        if (!isSupported(vm)) {
            throw new UnsupportedOperationException("this kernel cannot give the guest an external abort for an unmapped "
                    + "access: KVM reports " + Capability.ARM_INJECT_EXT_DABT.macro() + " = 0 (it needs Linux 5.5 or later); "
                    + "use UnmappedPolicy.STOP or READ_ZERO_WRITE_IGNORE");
        }
    }

    /**
     * Makes {@code vcpu} take the abort when it runs next.
     *
     * @param vcpu the vCPU, right after its MMIO exit
     * @throws dev.kvm4j.kvm.KvmException if the kernel refuses
     */
    public void inject(Vcpu vcpu) { vcpu.ioctl("KVM_SET_VCPU_EVENTS", VcpuEventsAbi.KVM_SET_VCPU_EVENTS, events); }
}
