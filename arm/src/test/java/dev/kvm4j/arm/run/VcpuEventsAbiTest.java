package dev.kvm4j.arm.run;

import dev.kvm4j.kvm.testing.CAbiCheck;
import org.junit.jupiter.api.Test;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link VcpuEventsAbi} against the arm64 kernel headers. */
class VcpuEventsAbiTest {
    @Test
    void constantsAndLayoutMatchTheArm64KernelHeaders() throws Exception {
        CAbiCheck check = new CAbiCheck().include("linux/kvm.h");
        check.constants(VcpuEventsAbi.class, n -> n.startsWith("KVM_"));
        check.struct(VcpuEventsAbi.STRUCT_KVM_VCPU_EVENTS, true);
        assertTrue(check.size() >= 10, "the check covers " + check.size() + " items");
        check.verify("aarch64-linux-gnu-gcc");
    }

    @Test
    void spotValuesOfThe61Headers() {
        assertEquals(64, VcpuEventsAbi.STRUCT_KVM_VCPU_EVENTS.byteSize());
        assertEquals(2, VcpuEventsAbi.STRUCT_KVM_VCPU_EVENTS.byteOffset(groupElement("exception"), groupElement("ext_dabt_pending")));
        assertEquals(0x8040ae9fL, VcpuEventsAbi.KVM_GET_VCPU_EVENTS);
        assertEquals(0x4040aea0L, VcpuEventsAbi.KVM_SET_VCPU_EVENTS);
    }
}
