package dev.kvm4j.arm.debug;

import dev.kvm4j.kvm.testing.CAbiCheck;
import org.junit.jupiter.api.Test;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The guest-debug ABI against the arm64 kernel headers (aarch64-linux-gnu-gcc), plus spot values read from them. */
class DebugAbiTest {
    @Test
    void spotValuesFromTheArm64Headers() {
        assertEquals(512, DebugAbi.STRUCT_KVM_GUEST_DEBUG_ARCH.byteSize());
        assertEquals(520, DebugAbi.STRUCT_KVM_GUEST_DEBUG.byteSize());
        assertEquals(8, DebugAbi.STRUCT_KVM_GUEST_DEBUG.byteOffset(groupElement("arch")));
        assertEquals(16, DebugAbi.STRUCT_KVM_DEBUG_EXIT_ARCH.byteSize());
        assertEquals(0x4208ae9bL, DebugAbi.KVM_SET_GUEST_DEBUG);
    }

    @Test
    void everyDebugConstantAndStructMatchesTheArm64KernelHeaders() throws Exception {
        CAbiCheck check = new CAbiCheck().include("stddef.h").include("linux/kvm.h");
        check.constants(DebugAbi.class, n -> n.startsWith("KVM_"));
        for (var s : DebugAbi.ALL) check.struct(s, true);
        assertEquals(true, check.size() > 15, "the check covers " + check.size() + " items");
        check.verify("aarch64-linux-gnu-gcc");
    }
}
