package dev.kvm4j.arm.state;

import dev.kvm4j.arm.run.VcpuEventsAbi;
import dev.kvm4j.kvm.Vcpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

/**
 * What a vCPU holds besides its registers: its power state and its pending exception events. Read with
 * {@link #save}, written back with {@link #restore} after the registers (a STOPPED vCPU's registers are
 * still written: CPU_ON later starts it at the entry point PSCI gives, not at the restored PC).
 * Only while the vCPU is out of KVM_RUN.
 *
 * @param mpState the power state
 * @param events the pending exceptions
 */
public record VcpuExtraState(MpState mpState, VcpuEvents events) {
    private static final StructLayout EVENTS = VcpuEventsAbi.STRUCT_KVM_VCPU_EVENTS;
    private static final long SERROR_PENDING = offset("serror_pending");
    private static final long SERROR_HAS_ESR = offset("serror_has_esr");
    private static final long EXT_DABT_PENDING = offset("ext_dabt_pending");
    private static final long SERROR_ESR = offset("serror_esr");

    private static long offset(String member) {
        return EVENTS.byteOffset(groupElement("exception"), groupElement(member));
    }

    /**
     * Reads both parts.
     *
     * @param vcpu the vCPU, out of KVM_RUN
     * @return its state
     */
    public static VcpuExtraState save(Vcpu vcpu) { return new VcpuExtraState(mpState(vcpu), events(vcpu)); }

    /**
     * Events, then the power state, as QEMU writes them; the kernel takes either order.
     *
     * @param vcpu the vCPU, out of KVM_RUN, its registers already written
     */
    public void restore(Vcpu vcpu) {
        setEvents(vcpu, events);
        setMpState(vcpu, mpState);
    }

    /**
     * {@code KVM_GET_MP_STATE}.
     *
     * @param vcpu the vCPU
     * @return its power state
     */
    public static MpState mpState(Vcpu vcpu) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(StateAbi.STRUCT_KVM_MP_STATE);
            vcpu.ioctl("KVM_GET_MP_STATE", StateAbi.KVM_GET_MP_STATE, s);
            return MpState.of(s.get(ValueLayout.JAVA_INT, 0));
        }
    }

    /**
     * {@code KVM_SET_MP_STATE}.
     *
     * @param vcpu the vCPU
     * @param state the power state to set
     */
    public static void setMpState(Vcpu vcpu, MpState state) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(StateAbi.STRUCT_KVM_MP_STATE);
            s.set(ValueLayout.JAVA_INT, 0, state.code());
            vcpu.ioctl("KVM_SET_MP_STATE", StateAbi.KVM_SET_MP_STATE, s);
        }
    }

    /**
     * {@code KVM_GET_VCPU_EVENTS}.
     *
     * @param vcpu the vCPU
     * @return its pending events
     */
    public static VcpuEvents events(Vcpu vcpu) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(EVENTS);
            vcpu.ioctl("KVM_GET_VCPU_EVENTS", VcpuEventsAbi.KVM_GET_VCPU_EVENTS, s);
            return new VcpuEvents(s.get(ValueLayout.JAVA_BYTE, SERROR_PENDING) != 0,
                    s.get(ValueLayout.JAVA_BYTE, SERROR_HAS_ESR) != 0,
                    s.get(ValueLayout.JAVA_BYTE, EXT_DABT_PENDING) != 0,
                    s.get(ValueLayout.JAVA_LONG, SERROR_ESR));
        }
    }

    /**
     * {@code KVM_SET_VCPU_EVENTS}; the reserved words stay zero, as the kernel requires.
     *
     * @param vcpu the vCPU
     * @param e the events to make pending
     */
    public static void setEvents(Vcpu vcpu, VcpuEvents e) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(EVENTS); // zeroed
            s.set(ValueLayout.JAVA_BYTE, SERROR_PENDING, (byte) (e.serrorPending() ? 1 : 0));
            s.set(ValueLayout.JAVA_BYTE, SERROR_HAS_ESR, (byte) (e.serrorHasEsr() ? 1 : 0));
            s.set(ValueLayout.JAVA_BYTE, EXT_DABT_PENDING, (byte) (e.extDabtPending() ? 1 : 0));
            s.set(ValueLayout.JAVA_LONG, SERROR_ESR, e.serrorEsr());
            vcpu.ioctl("KVM_SET_VCPU_EVENTS", VcpuEventsAbi.KVM_SET_VCPU_EVENTS, s);
        }
    }
}
