package dev.kvm4j.arm;

import dev.kvm4j.kvm.Kvm;
import dev.kvm4j.kvm.Vcpu;
import dev.kvm4j.kvm.Vm;
import dev.kvm4j.kvm.testing.RealKvm;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;

import static org.junit.jupiter.api.Assertions.*;

/** vCPU init on real KVM: the preferred target, and the fallback list old kernels need. */
@RealKvm(arch = "aarch64")
class VcpuInitKvmTest {

    @Test
    void initialiseUsesThePreferredTargetAndTheVcpuThenListsItsRegisters() {
        try (Kvm kvm = Kvm.open(); Vm vm = kvm.createVm(); Vcpu vcpu = vm.createVcpu(0)) {
            VcpuInit init = VcpuInit.initialise(vm, vcpu, VcpuFeature.PSCI_0_2);
            assertEquals(VcpuInit.preferred(vm).target(), init.target());
            assertTrue(init.has(VcpuFeature.PSCI_0_2));
            assertTrue(vcpu.registerList().length > 100);
        }
    }

    @Test
    void theFallbackTargetListFindsATargetThisKernelAccepts() {
        try (Kvm kvm = Kvm.open(); Vm vm = kvm.createVm(); Vcpu vcpu = vm.createVcpu(0)) {
            int preferred = VcpuInit.preferred(vm).target();
            VcpuInit init = VcpuInit.withFallbackTargets(vcpu, EnumSet.of(VcpuFeature.PSCI_0_2), "test");
            // Today's kernels accept only the target they prefer (GENERIC_V8 on every host CPU).
            assertEquals(preferred, init.target());
            assertTrue(vcpu.registerList().length > 100, "the vCPU is initialised");
        }
    }
}
