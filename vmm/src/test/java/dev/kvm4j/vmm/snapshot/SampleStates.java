package dev.kvm4j.vmm.snapshot;

import dev.kvm4j.arm.VcpuFeature;
import dev.kvm4j.arm.gic.GicVersion;
import dev.kvm4j.arm.regs.CoreRegister;
import dev.kvm4j.arm.regs.CpuState;
import dev.kvm4j.arm.regs.RegisterId;
import dev.kvm4j.arm.regs.RegisterValue;
import dev.kvm4j.arm.state.GicAttribute;
import dev.kvm4j.arm.state.GicState;
import dev.kvm4j.arm.state.MpState;
import dev.kvm4j.arm.state.VcpuEvents;
import dev.kvm4j.arm.state.VcpuExtraState;
import dev.kvm4j.kvm.GuestMemory;
import dev.kvm4j.vmm.Layout;
import dev.kvm4j.vmm.MachineConfig;
import dev.kvm4j.vmm.device.Pl011;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

import static dev.kvm4j.arm.gic.GicAbi.KVM_DEV_ARM_VGIC_GRP_DIST_REGS;
import static dev.kvm4j.arm.gic.GicAbi.KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS;

/** A made-up but well-formed machine state, for the file format's host tests. */
final class SampleStates {
    private SampleStates() {}

    static final long MEMORY = 64 * Layout.MIB;

    static MachineState twoVcpus() {
        MachineConfig c = MachineConfig.builder().kernel(Path.of("/guest/Image")).initrd(Path.of("/guest/initrd"))
                .append("console=ttyAMA0 quiet").cpus(2).memory(MEMORY).build();
        SnapshotConfig config = SnapshotConfig.of(c, GicVersion.V3, 96);
        List<VcpuSnapshot> vcpus = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            CpuState regs = CpuState.empty()
                    .with(CoreRegister.PC, 0xffff_8000_1234_5678L + i)
                    .with(CoreRegister.x(3), 42 + i)
                    .with(CoreRegister.V0, RegisterValue.of128(0x0123_4567_89ab_cdefL, 0xfedc_ba98_7654_3210L + i))
                    .with(RegisterId.parse("MIDR_EL1"), 0x410f_d0c0L)
                    .with(RegisterId.parse("SCTLR_EL1"), 0x30d0_180dL)
                    .with(RegisterId.of(0x6030_0000_0014_0000L), 7); // a firmware register, by raw id
            EnumSet<VcpuFeature> f = EnumSet.of(VcpuFeature.PSCI_0_2);
            if (i > 0) f.add(VcpuFeature.POWER_OFF);
            vcpus.add(new VcpuSnapshot(i, 5, f, regs, new VcpuExtraState(i == 0 ? MpState.RUNNABLE : MpState.STOPPED,
                    new VcpuEvents(false, true, false, 0))));
        }
        GicState gic = new GicState(GicVersion.V3, 96, List.of(0, 1), List.of(
                new GicAttribute(KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 0x0, 4, 0x12),
                new GicAttribute(KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS, 0xc664, 8, 0xf0)));
        Pl011.State uart = new Pl011.State(0x301, 0x70, 13, 1, 0x12, 0x50, 0, 0, true, true, "ls\n".getBytes(), new byte[] {'x'});
        return new MachineState(config, vcpus, gic, uart);
    }

    /** RAM with a few non-zero pages: the kernel's first page, one in the middle, the last one. */
    static GuestMemory ram() {
        GuestMemory ram = GuestMemory.allocate(Layout.RAM_BASE, MEMORY);
        ram.writeLong(Layout.RAM_BASE, 0x1122_3344_5566_7788L);
        ram.writeLong(Layout.RAM_BASE + MEMORY / 2 + 100, -1L);
        ram.writeInt(Layout.RAM_BASE + MEMORY - 4, 0xcafe);
        return ram;
    }
}
