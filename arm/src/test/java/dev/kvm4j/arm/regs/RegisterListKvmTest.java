package dev.kvm4j.arm.regs;

import dev.kvm4j.arm.ArmGuest;
import dev.kvm4j.arm.VcpuFeature;
import dev.kvm4j.arm.abi.ArmAbi;
import dev.kvm4j.kvm.abi.Capability;
import dev.kvm4j.kvm.testing.RealKvm;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * (a) Every id the host's KVM lists gets a name that parses back, a size that matches the id (proved by
 * reading it with exactly that many bytes), and an architectural name unless it is an unallocated ID-space
 * slot. Prints the counts for the acceptance note.
 */
@RealKvm(arch = "aarch64")
class RegisterListKvmTest {
    @Test
    void everyListedRegisterOfAPsciVcpuIsNamedSizedAndReadable() {
        check("psci-0.2", VcpuFeature.PSCI_0_2);
    }

    @Test
    void everyListedRegisterOfAnAarch32VcpuIsNamedSizedAndReadable() {
        check("aarch32", VcpuFeature.PSCI_0_2, VcpuFeature.EL1_32BIT);
    }

    /** PMUv3, pointer authentication and SVE add registers; those the host offers are asked for together. */
    @Test
    void everyListedRegisterWithTheOptionalFeaturesIsNamed() {
        List<VcpuFeature> features = new ArrayList<>(List.of(VcpuFeature.PSCI_0_2));
        try (ArmGuest probe = ArmGuest.create(VcpuFeature.PSCI_0_2)) {
            if (probe.vm.checkExtension(Capability.ARM_PMU_V3) != 0) features.add(VcpuFeature.PMU_V3);
            if (probe.vm.checkExtension(Capability.ARM_PTRAUTH_ADDRESS) != 0 && probe.vm.checkExtension(Capability.ARM_PTRAUTH_GENERIC) != 0) {
                features.add(VcpuFeature.PTRAUTH_ADDRESS);
                features.add(VcpuFeature.PTRAUTH_GENERIC);
            }
            if (probe.vm.checkExtension(Capability.ARM_SVE) != 0) features.add(VcpuFeature.SVE);
        }
        check("features " + features, features.toArray(VcpuFeature[]::new));
    }

    private static void check(String label, VcpuFeature... features) {
        try (ArmGuest g = ArmGuest.create(features)) {
            if (g.init.has(VcpuFeature.SVE)) finalizeSve(g);
            List<RegisterId> ids = new ArrayList<>();
            for (long v : g.vcpu.registerList()) ids.add(RegisterId.of(v));
            ids.sort(null); // unsigned, as the kernel's own sort
            assertEquals(List.of(), RegisterListCheck.problems(ids), label);
            for (RegisterId id : ids) {
                RegisterValue v = VcpuRegisters.get(g.vcpu, id);
                assertEquals(id.size(), v.size(), id.name());
            }
            long midr = g.vcpu.getOneReg(RegisterId.parse("MIDR_EL1").value());
            System.out.printf("REGLIST %s MIDR_EL1=0x%x: %s%n", label, midr, RegisterListCheck.summary(ids));
            assertTrue(ids.contains(RegisterId.of(ArmAbi.KVM_REG_ARM_TIMER_CNT)), "the virtual counter is listed");
        }
    }

    /** SVE vCPUs list their registers only after KVM_ARM_VCPU_FINALIZE(KVM_ARM_VCPU_SVE). */
    private static void finalizeSve(ArmGuest g) {
        try (Arena arena = Arena.ofConfined()) {
            var feature = arena.allocate(ValueLayout.JAVA_INT);
            feature.set(ValueLayout.JAVA_INT, 0, ArmAbi.KVM_ARM_VCPU_SVE);
            g.vcpu.ioctl("KVM_ARM_VCPU_FINALIZE", ArmAbi.KVM_ARM_VCPU_FINALIZE, feature);
        }
    }
}
