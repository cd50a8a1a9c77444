package dev.kvm4j.arm.cpu;

import dev.kvm4j.arm.regs.CpuState;
import dev.kvm4j.arm.regs.RegisterId;

/** Comparing states read at different moments: the counters move on their own, so they are compared apart. */
final class CpuStates {
    private CpuStates() {}

    static CpuState withoutCounters(CpuState s) {
        CpuState out = s;
        for (RegisterId id : s.ids()) if (RegisterClass.of(id) == RegisterClass.COUNTER) out = out.without(id);
        return out;
    }

    static final RegisterId CNTVCT = RegisterId.parse("CNTVCT_EL0");
    static final RegisterId MIDR = RegisterId.parse("MIDR_EL1");
    static final RegisterId TPIDR_EL1 = RegisterId.parse("TPIDR_EL1");
    static final RegisterId SCTLR_EL1 = RegisterId.parse("SCTLR_EL1");
    static final RegisterId TPIDR_EL0 = RegisterId.parse("TPIDR_EL0");
    static final RegisterId CPACR_EL1 = RegisterId.parse("CPACR_EL1");
}
