package dev.kvm4j.arm.cpu;

import dev.kvm4j.arm.ArmGuest;
import dev.kvm4j.arm.VcpuFeature;
import dev.kvm4j.arm.regs.CpuState;
import dev.kvm4j.kvm.testing.RealKvm;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.kvm4j.arm.cpu.CpuStates.MIDR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * MIDR_EL1, which the kernel holds: a FULL put with another value is a named failure and the kernel keeps
 * its own; the same value is fine; RUNTIME and RESET puts do not touch it.
 */
@RealKvm(arch = "aarch64")
class ConstantRegisterKvmTest {
    @Test
    void aFullPutOfAnotherMidrNamesTheRegisterAndBothValues() {
        try (ArmGuest g = ArmGuest.create(VcpuFeature.PSCI_0_2)) {
            ArmVcpu cpu = ArmVcpu.initialise(g.vcpu, g.init);
            CpuState state = cpu.get(SyncLevel.FULL);
            long kernel = state.getLong(MIDR);
            long other = kernel == 0x410fd034L ? 0x410fd070L : 0x410fd034L; // a Cortex-A53 r0p4, or an A57 r0p0
            CpuState foreign = state.with(MIDR, other);

            SyncResult full = cpu.put(foreign, SyncLevel.FULL);
            assertEquals(1, full.failures().size(), full.describe());
            RegisterFailure f = full.failures().getFirst();
            assertInstanceOf(RegisterFailure.FixedByHost.class, f);
            assertEquals("MIDR_EL1 is fixed by the host: kernel has 0x%x, snapshot has 0x%x".formatted(kernel, other), f.message());
            assertEquals(state.size() - 2 - 1, full.transferred(), "everything else was written (not the 2 counters, not MIDR)");
            assertEquals(kernel, g.vcpu.getOneReg(MIDR.value()), "the kernel keeps its MIDR");
            assertEquals(kernel, cpu.tupleList().value(MIDR).asLong(), "the tuple list holds what the kernel has");

            assertEquals(List.of(), cpu.put(state, SyncLevel.FULL).failures(), "the same value is fine");
            for (SyncLevel level : List.of(SyncLevel.RUNTIME, SyncLevel.RESET)) {
                SyncResult r = cpu.put(foreign, level);
                assertEquals(List.of(), r.failures(), level + " does not write MIDR_EL1");
                assertEquals(kernel, g.vcpu.getOneReg(MIDR.value()));
            }
        }
    }
}
