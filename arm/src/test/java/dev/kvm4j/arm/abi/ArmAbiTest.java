package dev.kvm4j.arm.abi;

import dev.kvm4j.arm.regs.CoreRegister;
import dev.kvm4j.kvm.testing.CAbiCheck;
import org.junit.jupiter.api.Test;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    /** The build's ABI check: every KVM_* number, the structs, and each core register's offset and id. */
    @Test
    void everyConstantStructAndCoreRegisterMatchesTheArm64KernelHeaders() throws Exception {
        CAbiCheck check = new CAbiCheck().include("stddef.h").include("linux/kvm.h");
        check.constants(ArmAbi.class, n -> n.startsWith("KVM_"));
        for (var s : ArmAbi.ALL) check.struct(s, true);
        for (CoreRegister r : CoreRegister.values()) {
            String off = "offsetof(struct kvm_regs, " + r.member() + ")";
            check.constant(off, r.offset());
            check.constant("sizeof(((struct kvm_regs *)0)->" + r.member() + ")", r.size());
            String sizeMacro = switch (r.size()) { case 4 -> "KVM_REG_SIZE_U32"; case 8 -> "KVM_REG_SIZE_U64"; default -> "KVM_REG_SIZE_U128"; };
            check.constant("KVM_REG_ARM64 | " + sizeMacro + " | KVM_REG_ARM_CORE | (" + off + " / sizeof(__u32))", r.id());
        }
        assertTrue(check.size() > 300, "the check covers " + check.size() + " items");
        check.verify("aarch64-linux-gnu-gcc");
    }
}
