package dev.kvm4j.arm.cpu;

import dev.kvm4j.arm.ArmGuest;
import dev.kvm4j.arm.VcpuFeature;
import dev.kvm4j.arm.regs.CpuState;
import dev.kvm4j.arm.regs.RegisterId;
import dev.kvm4j.arm.regs.RegisterValue;
import dev.kvm4j.kvm.Errno;
import dev.kvm4j.kvm.testing.RealKvm;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.kvm4j.arm.cpu.CpuStates.TPIDR_EL1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A register the kernel does not have is reported by name; every other register is still read and written. */
@RealKvm(arch = "aarch64")
class FailureReportKvmTest {
    /** op0=2 sorts before every op0=3 register, so SCTLR_EL1, TPIDR_EL1... all come after it. */
    private static final RegisterId BOGUS = RegisterId.sysreg(2, 7, 15, 15, 7);

    @Test
    void aBogusIdInTheTupleListIsNamedAndTheRestStillMove() {
        try (ArmGuest g = ArmGuest.create(VcpuFeature.PSCI_0_2)) {
            ArmVcpu cpu = ArmVcpu.initialise(g.vcpu, g.init);
            List<RegisterId> ids = new ArrayList<>(cpu.tupleList().ids());
            ids.add(BOGUS);
            RegisterBank list = RegisterBank.tupleList(ids);
            assertTrue(list.ids().indexOf(BOGUS) < list.ids().indexOf(TPIDR_EL1));

            SyncResult read = list.read(g.vcpu, SyncLevel.FULL);
            assertEquals(ids.size() - 1, read.transferred(), read.describe());
            RegisterFailure.Refused f = assertInstanceOf(RegisterFailure.Refused.class, read.failures().getFirst());
            assertEquals(List.of(BOGUS), read.failures().stream().map(RegisterFailure::id).toList());
            assertEquals(Errno.ENOENT, f.errno());
            assertEquals("S2_7_C15_C15_7: KVM_GET_ONE_REG failed: ENOENT (no such file or directory)", f.message());

            list.set(TPIDR_EL1, RegisterValue.of(0x5eed_cafeL, 8));
            SyncResult write = list.write(g.vcpu, SyncLevel.FULL, Counters.KEEP);
            assertEquals(List.of(BOGUS), write.failures().stream().map(RegisterFailure::id).toList(), write.describe());
            assertEquals(ids.size() - 1 - 2, write.transferred(), "all but the bogus id and the two counters");
            assertEquals(0x5eed_cafeL, g.vcpu.getOneReg(TPIDR_EL1.value()), "a register after the bogus one was written");
            assertTrue(write.describe().contains("S2_7_C15_C15_7: KVM_SET_ONE_REG failed: ENOENT"), write.describe());
        }
    }

    @Test
    void aStateWithARegisterThisVcpuLacksIsReportedAsNotListed() {
        try (ArmGuest g = ArmGuest.create(VcpuFeature.PSCI_0_2)) {
            ArmVcpu cpu = ArmVcpu.initialise(g.vcpu, g.init);
            CpuState state = cpu.get(SyncLevel.RUNTIME).with(BOGUS, 1).with(TPIDR_EL1, 0x77);
            SyncResult r = cpu.put(state, SyncLevel.RUNTIME);
            assertEquals(List.of(new RegisterFailure.NotListed(BOGUS)), r.failures());
            assertEquals(0x77, g.vcpu.getOneReg(TPIDR_EL1.value()));
        }
    }
}
