package dev.kvm4j.arm;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.util.EnumSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class VcpuInitTest {
    @Test
    void encodesTargetAndFeatureBits() {
        try (Arena arena = Arena.ofConfined()) {
            var s = new VcpuInit(5, EnumSet.of(VcpuFeature.PSCI_0_2, VcpuFeature.EL1_32BIT)).encode(arena);
            assertEquals(5, s.get(ValueLayout.JAVA_INT, 0));
            assertEquals((1 << 2) | (1 << 1), s.get(ValueLayout.JAVA_INT, 4));
            assertEquals(new VcpuInit(5, Set.of(VcpuFeature.PSCI_0_2, VcpuFeature.EL1_32BIT)), VcpuInit.decode(s));
            s.set(ValueLayout.JAVA_INT, 8, 1);
            assertThrows(IllegalArgumentException.class, () -> VcpuInit.decode(s));
        }
    }

    @Test
    void unavailableAarch32SaysWhy() {
        assertEquals("this host CPU cannot run AArch32 guests: KVM reports KVM_CAP_ARM_EL1_32BIT = 0",
                new VcpuFeatureUnavailableException(VcpuFeature.EL1_32BIT).getMessage());
    }
}
