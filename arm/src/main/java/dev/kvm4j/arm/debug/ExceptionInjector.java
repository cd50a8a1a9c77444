package dev.kvm4j.arm.debug;

import dev.kvm4j.arm.abi.ArmAbi;
import dev.kvm4j.arm.regs.CoreRegister;
import dev.kvm4j.kvm.Vcpu;

/**
 * Gives the guest back a debug exception KVM trapped for the debugger but that belongs to the guest (its own
 * BRK with KVM_GUESTDBG_USE_SW_BP on): performs the synchronous exception entry to EL1 the CPU would have done,
 * through the registers, as QEMU does. AArch64 guests only: an AArch32 guest's BKPT would be a prefetch abort
 * into abort mode with its banked LR/SPSR, which this does not model (the result says so).
 */
public final class ExceptionInjector {
    private ExceptionInjector() {}

    /** What {@link #injectSynchronous} did. */
    public enum Result {
        /** The guest takes the exception at its next run. */
        INJECTED,
        /** An AArch32 guest: nothing was done (see the class comment). */
        AARCH32_UNSUPPORTED
    }

    static final long VBAR_EL1 = ArmAbi.sysreg(3, 0, 12, 0, 0);
    static final long ESR_EL1 = ArmAbi.sysreg(3, 0, 5, 2, 0);
    private static final long PSTATE_NRW = 1 << 4;
    /** PSTATE after taking an exception to EL1 using SP_EL1 with D, A, I, F masked. */
    private static final long EL1H_MASKED = 0x3c5;
    private static final long FROM_CURRENT_SP0 = 0x000, FROM_CURRENT_SPX = 0x200, FROM_LOWER_A64 = 0x400, FROM_LOWER_A32 = 0x600;

    /**
     * Enters the guest's EL1 synchronous vector with {@code esr} as if the BRK at PC had not been trapped.
     *
     * @param vcpu the stopped vCPU
     * @param esr the syndrome of the trapped instruction
     * @return whether it was done
     */
    public static Result injectSynchronous(Vcpu vcpu, long esr) {
        long pstate = vcpu.getOneReg(CoreRegister.PSTATE.id());
        if ((pstate & PSTATE_NRW) != 0) return Result.AARCH32_UNSUPPORTED;
        long pc = vcpu.getOneReg(CoreRegister.PC.id());
        long vbar = vcpu.getOneReg(VBAR_EL1);
        vcpu.setOneReg(CoreRegister.ELR_EL1.id(), pc);
        vcpu.setOneReg(CoreRegister.SPSR_EL1.id(), pstate);
        vcpu.setOneReg(ESR_EL1, esr);
        vcpu.setOneReg(CoreRegister.PSTATE.id(), EL1H_MASKED);
        vcpu.setOneReg(CoreRegister.PC.id(), vbar + vectorOffset(pstate));
        return Result.INJECTED;
    }

    /** The offset in the vector table of a synchronous exception taken from the state {@code pstate}. */
    static long vectorOffset(long pstate) {
        if ((pstate & PSTATE_NRW) != 0) return FROM_LOWER_A32;
        int el = (int) (pstate >>> 2) & 3;
        if (el == 0) return FROM_LOWER_A64;
        return (pstate & 1) != 0 ? FROM_CURRENT_SPX : FROM_CURRENT_SP0;
    }
}
