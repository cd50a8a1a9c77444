package dev.kvm4j.arm.state;

import java.util.List;

import static dev.kvm4j.arm.gic.GicAbi.KVM_DEV_ARM_VGIC_GRP_CPU_REGS;
import static dev.kvm4j.arm.gic.GicAbi.KVM_DEV_ARM_VGIC_GRP_DIST_REGS;
import static dev.kvm4j.arm.state.GicRegister.Intids.ALL;
import static dev.kvm4j.arm.state.GicRegister.Intids.PPIS_AND_SPIS;
import static dev.kvm4j.arm.state.GicRegister.Intids.SGIS;
import static dev.kvm4j.arm.state.GicRegister.Intids.SPIS;
import static dev.kvm4j.arm.state.GicRegister.array;
import static dev.kvm4j.arm.state.GicRegister.one;
import static dev.kvm4j.arm.state.GicRegister.setClear;

/**
 * What a vGICv2 holds, in the order it is restored (kernel {@code arm-vgic.rst}; QEMU's
 * {@code arm_gic_kvm.c} walks the same registers). Offsets are the GICv2 architecture's, from the
 * distributor and CPU interface bases; the attribute's CPU field is the vCPU index, which selects the banked
 * copy of INTIDs 0–31 and the CPU interface.
 * <ul>
 * <li>GICD_IIDR first: until userspace writes it, KVM ignores writes to GICD_IGROUPR.</li>
 * <li>ITARGETSR and ICFGR before pending, so a pending SPI is queued on its target as edge or level.</li>
 * <li>SGIs are pending per source CPU: GICD_SPENDSGIR after ISPENDR gives back each source.</li>
 * <li>v2 has no LEVEL_INFO group: a level line held high at the save comes back as latched pending; the
 *     device that drives it sets its level again when it is restored.</li>
 * <li>GICC_PMR is in GICH_VMCR's format (the mask's top five bits in bits 4:0), which a restore
 *     writes back as read. GICC_APR0–3 are KVM's combined view of 128 preemption levels.</li>
 * </ul>
 */
final class GicV2Registers {
    private GicV2Registers() {}

    private static final int D = KVM_DEV_ARM_VGIC_GRP_DIST_REGS, C = KVM_DEV_ARM_VGIC_GRP_CPU_REGS;

    static final int GICD_CTLR = 0x000, GICD_TYPER = 0x004, GICD_IIDR = 0x008;

    static final List<GicRegisterBlock> TABLE = List.of(
            GicRegisterBlock.shared(
                    one("GICD_IIDR", D, GICD_IIDR),
                    one("GICD_CTLR", D, GICD_CTLR),
                    array("GICD_IGROUPR", D, 0x080, ALL, 1),
                    setClear("GICD_ISENABLER", D, 0x100, 0x180, ALL),
                    // INTIDs 0–31 have read-only targets (the reading CPU): SPIs only.
                    array("GICD_ITARGETSR", D, 0x800, SPIS, 8),
                    // ICFGR0 (SGIs) is read-only.
                    array("GICD_ICFGR", D, 0xC00, PPIS_AND_SPIS, 2),
                    setClear("GICD_ISPENDR", D, 0x200, 0x280, ALL),
                    setClear("GICD_ISACTIVER", D, 0x300, 0x380, ALL),
                    array("GICD_IPRIORITYR", D, 0x400, ALL, 8),
                    // 8 bits per SGI, one per source CPU; CPENDSGIR (0xF10) clears them first.
                    new GicRegister("GICD_SPENDSGIR", D, 0xF20, SGIS, 8, 0xF10, 0)),
            GicRegisterBlock.perVcpu(
                    one("GICC_CTLR", C, 0x00),
                    one("GICC_PMR", C, 0x04),
                    one("GICC_BPR", C, 0x08),
                    one("GICC_ABPR", C, 0x1C),
                    one("GICC_APR0", C, 0xD0),
                    one("GICC_APR1", C, 0xD4),
                    one("GICC_APR2", C, 0xD8),
                    one("GICC_APR3", C, 0xDC)));
}
