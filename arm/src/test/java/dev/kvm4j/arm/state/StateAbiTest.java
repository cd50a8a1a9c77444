package dev.kvm4j.arm.state;

import dev.kvm4j.kvm.testing.CAbiCheck;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link StateAbi} against the arm64 kernel headers, plus spot values for hosts without the cross compiler. */
class StateAbiTest {
    @Test
    void constantsAndLayoutsMatchTheArm64KernelHeaders() throws Exception {
        CAbiCheck check = new CAbiCheck().include("linux/kvm.h");
        check.constants(StateAbi.class, n -> n.startsWith("KVM_") || n.startsWith("VGIC_"));
        check.struct(StateAbi.STRUCT_KVM_MP_STATE, true);
        assertTrue(check.size() >= 18, "the check covers " + check.size() + " items");
        check.verify("aarch64-linux-gnu-gcc");
    }

    @Test
    void spotValuesOfThe61Headers() {
        assertEquals(0x8004ae98L, StateAbi.KVM_GET_MP_STATE);
        assertEquals(0x4004ae99L, StateAbi.KVM_SET_MP_STATE);
        assertEquals(0xffff_ffff_0000_0000L, StateAbi.KVM_DEV_ARM_VGIC_V3_MPIDR_MASK);
        assertEquals(0xffff_fc00L, StateAbi.KVM_DEV_ARM_VGIC_LINE_LEVEL_INFO_MASK);
    }
}
