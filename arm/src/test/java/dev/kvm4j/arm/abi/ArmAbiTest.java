package dev.kvm4j.arm.abi;

import org.junit.jupiter.api.Test;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Spot values the arm64 6.1 headers give (read with aarch64-linux-gnu-gcc when this was written), so a slip
 * shows up even where the build's full ABI check cannot run.
 */
class ArmAbiTest {
    @Test
    void kvmRegsLayoutMatchesTheHeaderIncludingThePaddingBeforeFpRegs() {
        assertEquals(864, ArmAbi.STRUCT_KVM_REGS.byteSize());
        assertEquals(288, ArmAbi.STRUCT_KVM_REGS.byteOffset(groupElement("spsr")));
        assertEquals(336, ArmAbi.STRUCT_KVM_REGS.byteOffset(groupElement("fp_regs")));
        assertEquals(848, ArmAbi.STRUCT_KVM_REGS.byteOffset(groupElement("fp_regs"), groupElement("fpsr")));
    }

    @Test
    void vcpuInitIoctlsEncodeTheStructSize() {
        assertEquals(32, ArmAbi.STRUCT_KVM_VCPU_INIT.byteSize());
        assertEquals(0x4020aeaeL, ArmAbi.KVM_ARM_VCPU_INIT);
        assertEquals(0x8020aeafL, ArmAbi.KVM_ARM_PREFERRED_TARGET);
        assertEquals(0x4004aec2L, ArmAbi.KVM_ARM_VCPU_FINALIZE);
    }

    @Test
    void virtualTimerIdsCarryEachOthersEncodings() {
        assertEquals(6931039826524495618L, ArmAbi.KVM_REG_ARM_TIMER_CVAL);
        assertEquals(6931039826524495642L, ArmAbi.KVM_REG_ARM_TIMER_CNT);
        assertEquals(ArmAbi.sysreg(3, 3, 14, 0, 2), ArmAbi.KVM_REG_ARM_TIMER_CVAL);
    }
}
