package dev.kvm4j.arm.gic;

import dev.kvm4j.kvm.testing.CAbiCheck;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every vGIC number and struct of {@link GicAbi} against the arm64 kernel headers. */
class GicAbiTest {

    @Test
    void constantsAndLayoutsMatchTheArm64KernelHeaders() throws Exception {
        CAbiCheck check = new CAbiCheck().include("linux/kvm.h");
        check.constants(GicAbi.class, n -> n.startsWith("KVM_"));
        check.struct(GicAbi.STRUCT_KVM_ARM_DEVICE_ADDR, true);
        assertTrue(check.size() > 40, "the check covers " + check.size() + " items");
        // <asm/kvm.h> writes sizes and masks with SZ_64K and GENMASK, which its includer must define (QEMU
        // does too); these are <linux/sizes.h>'s and <linux/bits.h>'s definitions.
        check.verify("aarch64-linux-gnu-gcc", "-DSZ_64K=0x00010000",
                "-DGENMASK(h,l)=(((~0UL) - (1UL << (l)) + 1) & (~0UL >> (63 - (h))))");
    }

    @Test
    void spotValuesOfThe61Headers() {
        assertEquals(0x4010aeabL, GicAbi.KVM_ARM_SET_DEVICE_ADDR);
        assertEquals(16, GicAbi.STRUCT_KVM_ARM_DEVICE_ADDR.byteSize());
        assertEquals(1, GicAbi.legacyDeviceId(GicAbi.KVM_VGIC_V2_ADDR_TYPE_CPU));
    }
}
