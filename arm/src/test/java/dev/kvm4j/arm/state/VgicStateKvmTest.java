package dev.kvm4j.arm.state;

import dev.kvm4j.arm.cpu.SyncLevel;
import dev.kvm4j.arm.regs.CpuState;
import dev.kvm4j.kvm.Device;
import dev.kvm4j.kvm.VcpuExit;
import dev.kvm4j.kvm.testing.Arm64TestGuest;
import dev.kvm4j.kvm.testing.RealKvm;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import static dev.kvm4j.arm.gic.GicAbi.*;
import static dev.kvm4j.arm.state.StateTestMachine.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Saves the vGIC the host offers (v2 on gic-version=2 hosts, v3 on gic-version=3 hosts) and the vCPUs' power
 * and event state from one VM, restores them through their byte form into a second VM built the same way,
 * and checks that the second VM reads back the same state and takes the interrupt that was pending.
 */
@RealKvm(arch = "aarch64")
class VgicStateKvmTest {
    private static final int TIMEOUT_SECONDS = 60;
    /** SPI 5 = INTID 37: enabled by the guest, raised through KVM_IRQ_LINE, pending at the save. */
    private static final int SPI = 5, INTID = 37;
    /** Made pending through ISPENDR (not enabled), routed to vCPU 1, configured level-triggered. */
    private static final int LATCHED = 40, ROUTED = 41, LEVEL = 42;
    private static final long MPIDR_EL1 = dev.kvm4j.arm.abi.ArmAbi.sysreg(3, 0, 0, 0, 5);

    private static void loadGuest(StateTestMachine m) {
        m.ram.writeInts(RAM_BASE, StateGuestCode.image(m.v3()));
        long word = 4L * (INTID / 32);
        long x8 = m.v3() ? GICD + 0x80 + word : GICD + 0x800 + INTID;
        long[] x = {GICD, m.v3() ? GICR : GICC, READY, REPORT, GICD + 0x100 + word, 1L << (INTID % 32), VECTORS, FAULT, x8};
        for (int i = 0; i < x.length; i++) m.vcpu0().setOneReg(Arm64TestGuest.x(i), x[i]);
        m.vcpu0().setOneReg(Arm64TestGuest.PC, RAM_BASE);
    }

    private static int get32(Device d, long offset) { return d.getAttribute32(KVM_DEV_ARM_VGIC_GRP_DIST_REGS, offset); }

    private static void put32(Device d, long offset, int value) {
        try (Arena arena = Arena.ofConfined()) {
            d.setAttribute(KVM_DEV_ARM_VGIC_GRP_DIST_REGS, offset, arena.allocateFrom(ValueLayout.JAVA_LONG, Integer.toUnsignedLong(value)));
        }
    }

    /**
     * Distributor state the guest did not set: a priority, a latched pending SPI, a route, level triggers
     * (KVM's SPIs start edge-triggered), and the guest's SPI raised as a level line.
     */
    private static void makeStateNonTrivial(StateTestMachine m) {
        Device d = m.vgic.device();
        long prio = 0x400 + (INTID & ~3);
        put32(d, prio, get32(d, prio) | 0x80 << 8 * (INTID % 4));
        put32(d, 0x200 + 4 * (LATCHED / 32), 1 << (LATCHED % 32));
        if (m.v3()) {
            int aff1 = GicStateEngine.affinity(m.vcpus.get(1).getOneReg(MPIDR_EL1));
            put32(d, 0x6000 + 8L * ROUTED, aff1 & 0xff_ffff);
            put32(d, 0x6000 + 8L * ROUTED + 4, aff1 >>> 24);
        } else {
            long targets = 0x800 + (ROUTED & ~3);
            put32(d, targets, get32(d, targets) & ~(0xff << 8 * (ROUTED % 4)) | 0x02 << 8 * (ROUTED % 4));
        }
        long cfg = 0xC00 + 4L * (INTID / 16);
        put32(d, cfg, get32(d, cfg) & ~(2 << 2 * (INTID % 16)) & ~(2 << 2 * (LEVEL % 16)));
        m.vgic.interrupts().spiLine(SPI).raise();
    }

    private static long value(GicState s, int group, long attr) {
        return s.attributes().stream().filter(a -> a.group() == group && a.attr() == attr).findFirst()
                .orElseThrow(() -> new AssertionError(String.format("no grp %d attr 0x%x in the saved state", group, attr))).value();
    }

    private static void assertSameState(GicState expected, GicState actual) {
        assertEquals(expected.version(), actual.version());
        assertEquals(expected.nrIrqs(), actual.nrIrqs());
        assertEquals(expected.cpuIds(), actual.cpuIds());
        assertEquals(expected.attributes().size(), actual.attributes().size(), "attribute count");
        List<String> differences = new ArrayList<>();
        for (int i = 0; i < expected.attributes().size(); i++) {
            GicAttribute e = expected.attributes().get(i), a = actual.attributes().get(i);
            if (!e.equals(a)) differences.add("#" + i + " saved " + e + ", restored VM reads " + a);
        }
        assertTrue(differences.isEmpty(), differences.size() + " registers differ: " + String.join("; ", differences.subList(0, Math.min(10, differences.size()))));
    }

    @Test
    void aVgicSavedFromOneVmReadsTheSameInASecondAndItsPendingSpiIsTaken() throws Exception {
        byte[] gicBytes;
        GicState saved;
        List<CpuState> cpus = new ArrayList<>();
        List<byte[]> extras = new ArrayList<>();
        try (var a = new StateTestMachine(2, 1)) {
            loadGuest(a);
            assertEquals(READY, a.runUntilReport(TIMEOUT_SECONDS).address(), "the guest reports ready before any interrupt");
            a.vcpu0().completePendingExit();
            makeStateNonTrivial(a);

            saved = GicStateEngine.save(a.vgic, a.vcpus);
            long word = 4L * (LATCHED / 32);
            assertNotEquals(0, value(saved, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 0x200 + word) & 1L << (LATCHED % 32), "latched pending SPI saved");
            assertNotEquals(0, value(saved, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 0x100 + word) & 1L << (INTID % 32), "guest's enable saved");
            if (a.v3()) {
                assertNotEquals(0, value(saved, KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO, 32) & 1L << (INTID % 32), "raised line level saved");
                long cpu1 = Integer.toUnsignedLong(saved.cpuIds().get(1)) << 32;
                assertEquals(0xf0, value(saved, KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS, GicRegister.instr(3, 0, 4, 6, 0)), "vCPU 0's ICC_PMR_EL1");
                assertEquals(0, value(saved, KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS, cpu1 | GicRegister.instr(3, 0, 4, 6, 0)), "vCPU 1's ICC_PMR_EL1");
            } else {
                assertNotEquals(0, value(saved, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 0x200 + word) & 1L << (INTID % 32), "raised level line reads pending");
                assertNotEquals(0, value(saved, KVM_DEV_ARM_VGIC_GRP_CPU_REGS, 0x00) & 1, "vCPU 0's GICC_CTLR enable");
            }
            for (int i = 0; i < 2; i++) {
                cpus.add(a.armVcpus.get(i).get(SyncLevel.FULL));
                VcpuExtraState x = VcpuExtraState.save(a.vcpus.get(i));
                assertEquals(i == 0 ? MpState.RUNNABLE : MpState.STOPPED, x.mpState(), "vCPU " + i + " (vCPU 1 was created with POWER_OFF)");
                assertFalse(x.events().serrorPending(), "no SError pending on vCPU " + i);
                extras.add(StateCodec.encode(x));
            }
            gicBytes = StateCodec.encode(saved);
            System.out.printf("%s state of 2 vCPUs, %d INTIDs: %d attributes, %d bytes of values, %d bytes encoded%n",
                    saved.version().label(), saved.nrIrqs(), saved.attributes().size(), saved.valueBytes(), gicBytes.length);
        }

        GicState restored = StateCodec.decodeGic(gicBytes);
        try (var b = new StateTestMachine(2)) {
            assertEquals(MpState.RUNNABLE, VcpuExtraState.mpState(b.vcpus.get(1)), "the second VM's vCPU 1 starts runnable");
            b.ram.writeInts(RAM_BASE, StateGuestCode.image(b.v3()));
            for (int i = 0; i < 2; i++) b.armVcpus.get(i).restore(cpus.get(i)).orThrow();
            GicStateEngine.restore(b.vgic, b.vcpus, restored);
            for (int i = 0; i < 2; i++) StateCodec.decodeVcpu(extras.get(i)).restore(b.vcpus.get(i));

            assertSameState(saved, GicStateEngine.save(b.vgic, b.vcpus));
            assertEquals(MpState.STOPPED, VcpuExtraState.mpState(b.vcpus.get(1)), "vCPU 1 stays powered off after the restore");

            VcpuExit.Mmio m = b.runUntilReport(TIMEOUT_SECONDS);
            assertEquals(REPORT, m.address(), "the restored guest resumes in its WFI loop and takes an interrupt");
            assertEquals(INTID, (int) m.data(), "the SPI pending at the save is the one acknowledged");
        }
    }

    @Test
    void aStateRestoresOnlyIntoTheSameVcpus() {
        GicState saved;
        try (var a = new StateTestMachine(2)) {
            saved = GicStateEngine.save(a.vgic, a.vcpus);
        }
        try (var b = new StateTestMachine(1)) {
            GicStateException e = assertThrows(GicStateException.class, () -> GicStateEngine.restore(b.vgic, b.vcpus, saved));
            assertTrue(e.getMessage().contains("create the same vCPUs"), e.getMessage());
        }
    }

    @Test
    void aPendingSerrorSurvivesSaveAndRestore() {
        VcpuExtraState saved;
        try (var a = new StateTestMachine(1)) {
            assertFalse(VcpuExtraState.events(a.vcpu0()).serrorPending());
            VcpuExtraState.setEvents(a.vcpu0(), new VcpuEvents(true, false, false, 0));
            saved = VcpuExtraState.save(a.vcpu0());
            assertTrue(saved.events().serrorPending(), "KVM reports the SError it was given as pending");
        }
        try (var b = new StateTestMachine(1)) {
            saved.restore(b.vcpu0());
            assertEquals(saved, VcpuExtraState.save(b.vcpu0()));
        }
    }
}
