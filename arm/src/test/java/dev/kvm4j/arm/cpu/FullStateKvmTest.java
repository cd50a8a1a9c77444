package dev.kvm4j.arm.cpu;

import dev.kvm4j.arm.ArmGuest;
import dev.kvm4j.arm.VcpuFeature;
import dev.kvm4j.arm.regs.CoreRegister;
import dev.kvm4j.arm.regs.CpuState;
import dev.kvm4j.arm.regs.RegisterGroup;
import dev.kvm4j.kvm.abi.Capability;
import dev.kvm4j.kvm.testing.RealKvm;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.kvm4j.arm.cpu.CpuStates.CNTVCT;
import static dev.kvm4j.arm.cpu.CpuStates.withoutCounters;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * get → put → get of the FULL state is the identity (the counters aside, which run on), for an AArch64
 * vCPU after a guest ran, an AArch32 one (where the host CPU has AArch32 EL1), and one with every optional
 * feature the host offers. Writing the counters back (a restore) sets the guest's clock back; a plain put does not.
 */
@RealKvm(arch = "aarch64")
class FullStateKvmTest {
    /** A32: TPIDRPRW + 1, store it, switch to UND mode, set its SP, exit by an MMIO write (arm-linux-gnueabihf-as). */
    static final int[] A32_GUEST = {
            0xe3020000, //  0: movw r0, #0x2000
            0xe3440000, //  4: movt r0, #0x4000
            0xee1d1f90, //  8: mrc p15, 0, r1, c13, c0, 4   (TPIDRPRW = TPIDR_EL1)
            0xe2811001, //  c: add r1, r1, #1
            0xee0d1f90, // 10: mcr p15, 0, r1, c13, c0, 4
            0xe5801000, // 14: str r1, [r0]
            0xf102001b, // 18: cps #0x1b                     (UND)
            0xe1a0d000, // 1c: mov sp, r0
            0xe3002000, // 20: movw r2, #0
            0xe3412000, // 24: movt r2, #0x1000
            0xe5821000, // 28: str r1, [r2]
            0xeafffffe, // 2c: b .
    };

    @Test
    void fullStateOfAnAarch64VcpuSurvivesGetPutGet() {
        try (ArmGuest g = ArmGuest.create(VcpuFeature.PSCI_0_2)) {
            ArmVcpu cpu = ArmVcpu.initialise(g.vcpu, g.init);
            g.load(ResetKvmTest.GUEST);
            g.runToMmio();
            g.vcpu.completePendingExit();
            roundTrip("aarch64", cpu);
        }
    }

    @Test
    void fullStateOfAnAarch32VcpuSurvivesGetPutGet() {
        try (ArmGuest g = ArmGuest.create(VcpuFeature.PSCI_0_2, VcpuFeature.EL1_32BIT)) {
            ArmVcpu cpu = ArmVcpu.initialise(g.vcpu, g.init);
            g.load(A32_GUEST);
            g.runToMmio();
            g.vcpu.completePendingExit();
            CpuState s = cpu.get(SyncLevel.FULL);
            assertEquals(0x1bL, s.getLong(CoreRegister.PSTATE) & 0x1f, "the guest left UND mode on");
            roundTrip("aarch32", cpu);
        }
    }

    @Test
    void fullStateWithEveryOptionalFeatureTheHostOffersSurvivesGetPutGet() {
        try (ArmGuest g = ArmGuest.create(optionalFeatures())) {
            roundTrip("features " + g.init.features(), ArmVcpu.initialise(g.vcpu, g.init));
        }
    }

    /** PSCI 0.2 with PMUv3, SVE and both pointer authentications, those the host offers. */
    static VcpuFeature[] optionalFeatures() {
        List<VcpuFeature> features = new ArrayList<>(List.of(VcpuFeature.PSCI_0_2));
        try (ArmGuest probe = ArmGuest.create(VcpuFeature.PSCI_0_2)) {
            for (VcpuFeature f : List.of(VcpuFeature.PMU_V3, VcpuFeature.SVE)) {
                if (probe.vm.checkExtension(f.capability()) != 0) features.add(f);
            }
            if (probe.vm.checkExtension(Capability.ARM_PTRAUTH_ADDRESS) != 0 && probe.vm.checkExtension(Capability.ARM_PTRAUTH_GENERIC) != 0) {
                features.add(VcpuFeature.PTRAUTH_ADDRESS);
                features.add(VcpuFeature.PTRAUTH_GENERIC);
            }
        }
        return features.toArray(VcpuFeature[]::new);
    }

    private static void roundTrip(String label, ArmVcpu cpu) {
        CpuState before = cpu.get(SyncLevel.FULL);
        SyncResult put = cpu.put(before, SyncLevel.FULL);
        assertEquals(List.of(), put.failures(), label + ": " + put.describe());
        long written = before.ids().stream().filter(id -> RegisterClass.of(id).writtenAt(SyncLevel.FULL, Counters.KEEP)).count();
        assertEquals(written, put.transferred(), label + ": every register but the counters (and PMU CLR aliases) written");
        CpuState after = cpu.get(SyncLevel.FULL);
        assertEquals("", withoutCounters(before).describeDiff(withoutCounters(after)), label);
        assertEquals(cpu.core().size() + cpu.tupleList().size(), before.size(), label + ": FULL reads every listed register");
        long groups = before.ids().stream().map(id -> id.group()).filter(gr -> gr != RegisterGroup.CORE).count();
        System.out.printf("FULLSTATE %s: %d registers (%d core, %d in the tuple list), put wrote %d%n",
                label, before.size(), cpu.core().size(), groups, put.transferred());
    }

    @Test
    void aPutKeepsTheGuestClockRunningAndARestoreSetsItBack() throws InterruptedException {
        try (ArmGuest g = ArmGuest.create(VcpuFeature.PSCI_0_2)) {
            ArmVcpu cpu = ArmVcpu.initialise(g.vcpu, g.init);
            CpuState old = cpu.get(SyncLevel.FULL);
            Thread.sleep(50);
            long now = cpu.get(SyncLevel.FULL).getLong(CNTVCT);
            assertTrue(Long.compareUnsigned(now, old.getLong(CNTVCT)) > 0, "the counter runs");

            cpu.put(old, SyncLevel.FULL).orThrow();
            long afterPut = cpu.get(SyncLevel.FULL).getLong(CNTVCT);
            assertTrue(Long.compareUnsigned(afterPut, now) >= 0, "a FULL put without RESTORE leaves the clock alone");

            cpu.restore(old).orThrow();
            long afterRestore = cpu.get(SyncLevel.FULL).getLong(CNTVCT);
            assertTrue(Long.compareUnsigned(afterRestore, now) < 0,
                    "a restore sets the guest clock back to the snapshot: 0x%x before, 0x%x after".formatted(now, afterRestore));
        }
    }
}
