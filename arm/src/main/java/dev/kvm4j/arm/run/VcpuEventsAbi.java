package dev.kvm4j.arm.run;

import dev.kvm4j.kvm.abi.IoctlNumber;
import dev.kvm4j.kvm.abi.KvmIoctls;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code struct kvm_vcpu_events} of arm64's {@code <asm/kvm.h>} and its two ioctls: how a VMM makes a vCPU
 * take an SError or an external data abort. Field names are the kernel's macro and member names, which the
 * build's ABI check compares with the headers.
 */
public final class VcpuEventsAbi {
    private VcpuEventsAbi() {}

    /** {@code struct kvm_vcpu_events}: the pending SError and external abort. */
    public static final StructLayout STRUCT_KVM_VCPU_EVENTS = MemoryLayout.structLayout(
            MemoryLayout.structLayout(
                    JAVA_BYTE.withName("serror_pending"),
                    JAVA_BYTE.withName("serror_has_esr"),
                    JAVA_BYTE.withName("ext_dabt_pending"),
                    MemoryLayout.sequenceLayout(5, JAVA_BYTE).withName("pad"),
                    JAVA_LONG.withName("serror_esr")).withName("exception"),
            MemoryLayout.sequenceLayout(12, JAVA_INT).withName("reserved")).withName("kvm_vcpu_events");

    /** vCPU ioctl: reads the pending events. */
    public static final long KVM_GET_VCPU_EVENTS = IoctlNumber.ior(KvmIoctls.KVMIO, 0x9f, STRUCT_KVM_VCPU_EVENTS.byteSize());
    /** vCPU ioctl: makes events pending. */
    public static final long KVM_SET_VCPU_EVENTS = IoctlNumber.iow(KvmIoctls.KVMIO, 0xa0, STRUCT_KVM_VCPU_EVENTS.byteSize());
}
