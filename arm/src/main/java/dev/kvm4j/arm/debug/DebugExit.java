package dev.kvm4j.arm.debug;

import dev.kvm4j.arm.regs.CoreRegister;
import dev.kvm4j.kvm.Vcpu;
import dev.kvm4j.kvm.VcpuExit;
import dev.kvm4j.kvm.abi.KvmStructs;

import static dev.kvm4j.arm.debug.DebugAbi.KVM_DEBUG_ARCH_HSR_HIGH_VALID;
import static dev.kvm4j.arm.debug.DebugAbi.STRUCT_KVM_DEBUG_EXIT_ARCH;
import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A KVM_EXIT_DEBUG decoded: the syndrome KVM passed up ({@code hsr}, plus {@code hsr_high} when
 * {@code kvm_run.flags} says it is valid), the FAR (meaningful for watchpoints only), and the reason.
 *
 * @param esr the syndrome
 * @param far the fault address
 * @param reason what the syndrome means
 */
public record DebugExit(long esr, long far, DebugReason reason) {
    private static final long HSR = STRUCT_KVM_DEBUG_EXIT_ARCH.byteOffset(groupElement("hsr"));
    private static final long HSR_HIGH = STRUCT_KVM_DEBUG_EXIT_ARCH.byteOffset(groupElement("hsr_high"));
    private static final long FAR = STRUCT_KVM_DEBUG_EXIT_ARCH.byteOffset(groupElement("far"));
    private static final long RUN_FLAGS = KvmStructs.STRUCT_KVM_RUN.byteOffset(groupElement("flags"));

    /**
     * Reads the exit {@code vcpu} just returned, and its PC, and decodes it against {@code breakpoints}.
     *
     * @param vcpu the vCPU, on its own thread, before it runs again
     * @param exit the exit it returned
     * @param breakpoints the debugger's patched breakpoints, or null
     * @return the decoded exit
     */
    public static DebugExit read(Vcpu vcpu, VcpuExit.Debug exit, SoftwareBreakpoints breakpoints) {
        var arch = exit.archData();
        long esr = Integer.toUnsignedLong(arch.get(JAVA_INT, HSR));
        int flags = Short.toUnsignedInt(vcpu.kvmRun().get(JAVA_SHORT, RUN_FLAGS));
        if ((flags & KVM_DEBUG_ARCH_HSR_HIGH_VALID) != 0) esr |= Integer.toUnsignedLong(arch.get(JAVA_INT, HSR_HIGH)) << 32;
        long far = arch.get(JAVA_LONG, FAR);
        long pc = vcpu.getOneReg(CoreRegister.PC.id());
        return new DebugExit(esr, far, decode(esr, far, pc, breakpoints));
    }

    /**
     * The reason for syndrome {@code esr} at {@code pc}. A BRK/BKPT is the debugger's only when its table has a
     * breakpoint at that PC: anything else is the guest's own (a kernel's BUG(), a debugger inside the guest).
     *
     * @param esr the syndrome
     * @param far the fault address
     * @param pc the vCPU's PC
     * @param breakpoints the debugger's patched breakpoints, or null
     * @return the reason
     */
    public static DebugReason decode(long esr, long far, long pc, SoftwareBreakpoints breakpoints) {
        return switch (Esr.ec(esr)) {
            case Esr.EC_BRK64, Esr.EC_BKPT32 -> {
                var patch = breakpoints == null ? java.util.Optional.<SoftwareBreakpoints.Patch>empty() : breakpoints.at(pc);
                yield patch.<DebugReason>map(p -> new DebugReason.SoftwareBreakpoint(pc, p.set()))
                        .orElseGet(() -> new DebugReason.GuestBreak(pc, esr, Esr.comment(esr)));
            }
            case Esr.EC_HW_BP_LOW, Esr.EC_HW_BP_CUR -> new DebugReason.HardwareBreakpoint(pc);
            case Esr.EC_SOFTSTP_LOW, Esr.EC_SOFTSTP_CUR -> new DebugReason.SingleStep(pc);
            case Esr.EC_WATCHPT_LOW, Esr.EC_WATCHPT_CUR ->
                    new DebugReason.Watchpoint(pc, far, (Esr.iss(esr) & (Esr.WATCHPT_WNR | Esr.WATCHPT_CM)) != 0);
            default -> new DebugReason.Unknown(pc, esr);
        };
    }
}
