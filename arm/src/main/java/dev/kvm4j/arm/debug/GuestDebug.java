package dev.kvm4j.arm.debug;

import dev.kvm4j.kvm.Vcpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static dev.kvm4j.arm.debug.DebugAbi.*;
import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.MemoryLayout.PathElement.sequenceElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * KVM_SET_GUEST_DEBUG for one vCPU: whether debugging is on, single-step, trapping BRK/BKPT to the VMM, and the
 * hardware slots. Call between runs of that vCPU (from its own thread, or while it is paused). With debugging
 * on, the guest's own use of the debug registers is hidden from it by KVM.
 */
public final class GuestDebug {
    private GuestDebug() {}

    /**
     * What to ask of KVM for one vCPU.
     *
     * @param singleStep stop after one instruction
     * @param softwareBreakpoints trap BRK/BKPT to the VMM
     * @param hardware the hardware slots to load, or null for none
     */
    public record Control(boolean singleStep, boolean softwareBreakpoints, HardwareDebug hardware) {
        public static final Control OFF = new Control(false, false, null);

        /**
         * The {@code control} word. Nothing asked = 0, which turns guest debug off.
         *
         * @return the {@code KVM_GUESTDBG_*} bits
         */
        public int bits() {
            int c = 0;
            if (singleStep) c |= KVM_GUESTDBG_SINGLESTEP;
            if (softwareBreakpoints) c |= KVM_GUESTDBG_USE_SW_BP;
            if (hardware != null && !hardware.isEmpty()) c |= KVM_GUESTDBG_USE_HW;
            return c == 0 ? 0 : c | KVM_GUESTDBG_ENABLE;
        }
    }

    /**
     * Issues KVM_SET_GUEST_DEBUG; a refusal is a KvmException naming the ioctl and the vCPU.
     *
     * @param vcpu the vCPU, between runs
     * @param control what to ask for
     */
    public static void apply(Vcpu vcpu, Control control) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = encode(a, control);
            vcpu.ioctl("KVM_SET_GUEST_DEBUG", KVM_SET_GUEST_DEBUG, s);
        }
    }

    /** The {@code struct kvm_guest_debug} for {@code control} (separate so host tests can read it). */
    static MemorySegment encode(Arena a, Control control) {
        MemorySegment s = a.allocate(STRUCT_KVM_GUEST_DEBUG);
        s.set(JAVA_INT, STRUCT_KVM_GUEST_DEBUG.byteOffset(groupElement("control")), control.bits());
        HardwareDebug hw = control.hardware();
        if (hw != null) {
            for (int i = 0; i < KVM_ARM_MAX_DBG_REGS; i++) {
                DebugRegisters.Slot b = hw.breakpointRegisters(i), w = hw.watchpointRegisters(i);
                s.set(JAVA_LONG, arch("dbg_bcr", i), b.control());
                s.set(JAVA_LONG, arch("dbg_bvr", i), b.value());
                s.set(JAVA_LONG, arch("dbg_wcr", i), w.control());
                s.set(JAVA_LONG, arch("dbg_wvr", i), w.value());
            }
        }
        return s;
    }

    static long arch(String array, int i) {
        return STRUCT_KVM_GUEST_DEBUG.byteOffset(groupElement("arch"), groupElement(array), sequenceElement(i));
    }
}
