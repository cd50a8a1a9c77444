package dev.kvm4j.arm.regs;

import dev.kvm4j.arm.abi.ArmAbi;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

class CoreRegisterTest {
    @Test
    void tableHasTheSeventyFiveRegistersKvmListsWithDistinctIds() {
        assertEquals(75, CoreRegister.values().length);
        Set<Long> ids = new HashSet<>();
        for (CoreRegister r : CoreRegister.values()) ids.add(r.id());
        assertEquals(75, ids.size());
    }

    @Test
    void offsetsAndSizesFollowStructKvmRegs() {
        assertEquals(40, CoreRegister.X5.offset());
        assertEquals(248, CoreRegister.SP.offset());
        assertEquals(264, CoreRegister.PSTATE.offset());
        assertEquals(272, CoreRegister.SP_EL1.offset());
        assertEquals(288 + 8 * ArmAbi.KVM_SPSR_FIQ, CoreRegister.SPSR_FIQ.offset());
        assertEquals(336 + 16 * 31, CoreRegister.V31.offset());
        assertEquals(852, CoreRegister.FPCR.offset());
        assertEquals(16, CoreRegister.V0.size());
        assertEquals(4, CoreRegister.FPSR.size());
        assertEquals(8, CoreRegister.X30.size());
    }

    @Test
    void idIsArm64SizeCoreAndWordIndex() {
        // KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | KVM_REG_ARM_CORE_REG(regs.pc) = offset 256 / 4
        assertEquals(0x6030000000100040L, CoreRegister.PC.id());
        assertEquals(0x6040000000100054L, CoreRegister.V0.id());
        assertEquals(0x60200000001000d4L, CoreRegister.FPSR.id());
    }

    @Test
    void lookupsByNumber() {
        assertEquals(CoreRegister.X17, CoreRegister.x(17));
        assertEquals(CoreRegister.V9, CoreRegister.v(9));
        assertEquals(CoreRegister.SPSR_IRQ, CoreRegister.spsr(ArmAbi.KVM_SPSR_IRQ));
        assertEquals(Arrays.asList(CoreRegister.values()).indexOf(CoreRegister.FPCR), CoreRegister.values().length - 1);
    }
}
