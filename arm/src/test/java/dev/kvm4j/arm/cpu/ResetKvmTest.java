package dev.kvm4j.arm.cpu;

import dev.kvm4j.arm.ArmGuest;
import dev.kvm4j.arm.VcpuFeature;
import dev.kvm4j.arm.regs.CoreRegister;
import dev.kvm4j.arm.regs.CpuState;
import dev.kvm4j.arm.regs.RegisterId;
import dev.kvm4j.kvm.VcpuExit;
import dev.kvm4j.kvm.testing.RealKvm;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static dev.kvm4j.arm.cpu.CpuStates.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Reset then rerun: a guest that records the system registers it starts from, changes them (TPIDR_EL1 + 1,
 * two SCTLR_EL1 bits, TPIDR_EL0, CPACR_EL1, d7, SP_EL1, NZCV) and exits with an MMIO write must, after
 * {@link ArmVcpu#reset()}, write the same RAM and end in the same registers as on its first run; likewise
 * an AArch32 guest and a vCPU with SVE and pointer authentication where the host offers them.
 * A64 output table at 0x40002000: the four registers before (0..31), after (32..63), d7 (64).
 */
@RealKvm(arch = "aarch64")
class ResetKvmTest {
    // Hand-assembled A64 (aarch64-linux-gnu-as; objdump -d).
    static final int[] GUEST = {
            0xd2a80000, //  0: mov x0, #0x40000000
            0xf2840000, //  4: movk x0, #0x2000
            0xd538d081, //  8: mrs x1, tpidr_el1
            0xd5381002, //  c: mrs x2, sctlr_el1
            0xd53bd043, // 10: mrs x3, tpidr_el0
            0xd5381044, // 14: mrs x4, cpacr_el1
            0xa9000801, // 18: stp x1, x2, [x0]
            0xa9011003, // 1c: stp x3, x4, [x0, #16]
            0x91000421, // 20: add x1, x1, #0x1
            0xd518d081, // 24: msr tpidr_el1, x1
            0xd2660042, // 28: eor x2, x2, #0x4000000     (SCTLR_EL1.UCI)
            0xd2710042, // 2c: eor x2, x2, #0x8000        (SCTLR_EL1.UCT)
            0xd5181002, // 30: msr sctlr_el1, x2
            0xd2781c63, // 34: eor x3, x3, #0xff00
            0xd51bd043, // 38: msr tpidr_el0, x3
            0xd2a00604, // 3c: mov x4, #0x300000          (CPACR_EL1.FPEN)
            0xd5181044, // 40: msr cpacr_el1, x4
            0xd5033fdf, // 44: isb
            0x9e670027, // 48: fmov d7, x1
            0xa9020801, // 4c: stp x1, x2, [x0, #32]
            0xa9031003, // 50: stp x3, x4, [x0, #48]
            0xfd002007, // 54: str d7, [x0, #64]
            0x91200005, // 58: add x5, x0, #0x800
            0x910000bf, // 5c: mov sp, x5
            0xeb01003f, // 60: cmp x1, x1
            0xd2a20006, // 64: mov x6, #0x10000000
            0xf90000c1, // 68: str x1, [x6]
            0x14000000, // 6c: b .
    };

    @Test
    void rerunAfterResetWritesTheSameRamAndEndsInTheSameRegisters() {
        try (ArmGuest g = ArmGuest.create(VcpuFeature.PSCI_0_2)) {
            ArmVcpu cpu = ArmVcpu.initialise(g.vcpu, g.init);
            CpuState initial = cpu.get(SyncLevel.RESET);
            byte[] ram = rerunAfterReset("aarch64", g, cpu, GUEST);
            assertEquals(initial.getLong(TPIDR_EL1), g.memory.readLong(ArmGuest.OUTPUT), "the guest started from the reset TPIDR_EL1");

            // Control: without a reset the guest starts from the changed registers, and the RAM says so.
            g.vcpu.completePendingExit();
            g.vcpu.setOneReg(CoreRegister.PC.id(), ArmGuest.CODE);
            g.runToMmio();
            assertFalse(Arrays.equals(ram, g.memory.read(ArmGuest.RAM, (int) ArmGuest.RAM_SIZE)), "a rerun without reset differs");
        }
    }

    @Test
    void anAarch32VcpuRerunsTheSameAfterReset() {
        try (ArmGuest g = ArmGuest.create(VcpuFeature.PSCI_0_2, VcpuFeature.EL1_32BIT)) {
            rerunAfterReset("aarch32", g, ArmVcpu.initialise(g.vcpu, g.init), FullStateKvmTest.A32_GUEST);
        }
    }

    /** SVE and pointer authentication where offered; not PMUv3, whose vCPU runs only once the machine has set its PMU up. */
    @Test
    void aVcpuWithSveAndPointerAuthenticationRerunsTheSameAfterReset() {
        VcpuFeature[] features = Arrays.stream(FullStateKvmTest.optionalFeatures()).filter(f -> f != VcpuFeature.PMU_V3).toArray(VcpuFeature[]::new);
        try (ArmGuest g = ArmGuest.create(features)) {
            rerunAfterReset("features " + g.init.features(), g, ArmVcpu.initialise(g.vcpu, g.init), GUEST);
        }
    }

    /**
     * The PMU's SET/CLR register pairs: a state with other PMINTENSET/PMCNTENSET/PMOVSSET bits than the
     * kernel has must get exactly those (6.12 would OR them in, or clear them through the CLR alias), and
     * a reset must bring the reset bits back.
     */
    @Test
    void pmuEnableAndOverflowMasksAreWrittenExactlyAndResetRestoresThem() {
        try (ArmGuest probe = ArmGuest.create(VcpuFeature.PSCI_0_2)) {
            Assumptions.assumeTrue(probe.vm.checkExtension(VcpuFeature.PMU_V3.capability()) != 0, "this host offers no PMUv3 to guests");
        }
        try (ArmGuest g = ArmGuest.create(VcpuFeature.PSCI_0_2, VcpuFeature.PMU_V3)) {
            ArmVcpu cpu = ArmVcpu.initialise(g.vcpu, g.init);
            CpuState initial = cpu.get(SyncLevel.RESET);
            CpuState changed = initial;
            for (String set : List.of("PMINTENSET_EL1", "PMCNTENSET_EL0", "PMOVSSET_EL0")) {
                RegisterId id = RegisterId.parse(set);
                long reset = initial.getLong(id);
                // Another mask of valid bits: one of the reset bits, or the cycle counter's (bit 31) if none is set.
                long other = reset == 0 ? 1L << 31 : Long.bitCount(reset) > 1 ? Long.lowestOneBit(reset) : 0;
                changed = changed.with(id, other);
            }
            cpu.put(changed, SyncLevel.RUNTIME).orThrow();
            CpuState now = cpu.get(SyncLevel.RUNTIME);
            for (String pair : List.of("PMINTENSET_EL1 PMINTENCLR_EL1", "PMCNTENSET_EL0 PMCNTENCLR_EL0", "PMOVSSET_EL0 PMOVSCLR_EL0")) {
                String[] p = pair.split(" ");
                assertEquals(changed.getLong(RegisterId.parse(p[0])), now.getLong(RegisterId.parse(p[0])), p[0]);
                assertEquals(changed.getLong(RegisterId.parse(p[0])), now.getLong(RegisterId.parse(p[1])), p[1] + " reads the same bits");
            }
            cpu.reset().orThrow();
            assertEquals("", initial.describeDiff(cpu.get(SyncLevel.RESET)));
        }
    }

    /**
     * Runs {@code code} to its MMIO exit, resets, checks the RESET-level state is the post-init one, runs
     * it again and checks RAM, exit and registers match the first run. Returns the RAM of the first run.
     */
    private static byte[] rerunAfterReset(String label, ArmGuest g, ArmVcpu cpu, int[] code) {
        assertEquals("", withoutCounters(cpu.resetState()).describeDiff(withoutCounters(cpu.get(SyncLevel.FULL))), label + ": reset values are the post-init values");
        CpuState initial = cpu.get(SyncLevel.RESET);

        g.load(code);
        VcpuExit.Mmio first = g.runToMmio();
        long address = first.address(), data = first.data();
        byte[] ram = g.memory.read(ArmGuest.RAM, (int) ArmGuest.RAM_SIZE);
        CpuState afterFirst = cpu.get(SyncLevel.FULL);
        // Low 32 bits: an AArch32 guest writes TPIDR_EL1 through TPIDRPRW, its lower half.
        assertEquals((int) initial.getLong(TPIDR_EL1) + 1, (int) afterFirst.getLong(TPIDR_EL1), label + ": the guest ran");

        cpu.reset().orThrow();
        // What a reset restores. The constants are the kernel's: 6.12 clears the GIC field of the ID
        // registers at the first run of a VM without a vGIC, and no reset brings it back.
        assertEquals("", initial.describeDiff(cpu.get(SyncLevel.RESET)), label + ": reset returns to the post-init state");

        g.vcpu.setOneReg(CoreRegister.PC.id(), ArmGuest.CODE);
        VcpuExit.Mmio second = g.runToMmio();
        assertEquals(address, second.address(), label);
        assertEquals(data, second.data(), label);
        assertArrayEquals(ram, g.memory.read(ArmGuest.RAM, (int) ArmGuest.RAM_SIZE), label + ": RAM after the rerun");
        CpuState afterSecond = cpu.get(SyncLevel.FULL);
        if (label.equals("aarch32")) {
            // The A32 guest takes no exception, yet under the rig's emulated CPU (QEMU TCG with EL2) the first
            // run sometimes leaves SPSR_svc holding a stale 0x800001d0 that the rerun does not: an emulation
            // artefact seen on a57 and max, not a reset difference. SPSR_svc is compared nowhere else here.
            RegisterId spsrSvc = RegisterId.parse("SPSR_EL1");
            afterFirst = afterFirst.without(spsrSvc);
            afterSecond = afterSecond.without(spsrSvc);
        }
        assertEquals("", withoutCounters(afterFirst).describeDiff(withoutCounters(afterSecond)), label + ": registers after the rerun");
        return ram;
    }
}
