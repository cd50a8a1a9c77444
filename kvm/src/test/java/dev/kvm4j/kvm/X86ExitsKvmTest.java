package dev.kvm4j.kvm;

import dev.kvm4j.kvm.testing.RealKvm;
import dev.kvm4j.kvm.testing.X86TestGuest;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The exits only x86 has: port I/O and HLT. */
@RealKvm(arch = "amd64")
class X86ExitsKvmTest {

    @Test
    void portOutThenInThenHlt() {
        try (var g = new X86TestGuest(X86TestGuest.OUT_IN_HLT)) {
            var out = assertInstanceOf(VcpuExit.Io.class, g.vcpu.run());
            assertTrue(out.isOut());
            assertEquals(0x3f8, out.port());
            assertEquals(1, out.size());
            assertEquals('5', out.data());
            var in = assertInstanceOf(VcpuExit.Io.class, g.vcpu.run());
            assertFalse(in.isOut());
            in.setData('x');
            assertInstanceOf(VcpuExit.Hlt.class, g.vcpu.run());
        }
    }
}
