package dev.kvm4j.arm.state;

import java.util.List;

import static dev.kvm4j.arm.gic.GicAbi.KVM_DEV_ARM_VGIC_GRP_DIST_REGS;
import static dev.kvm4j.arm.gic.GicAbi.KVM_DEV_ARM_VGIC_GRP_REDIST_REGS;
import static dev.kvm4j.arm.state.GicRegister.Intids.PPIS;
import static dev.kvm4j.arm.state.GicRegister.Intids.PRIVATE;
import static dev.kvm4j.arm.state.GicRegister.Intids.SPIS;
import static dev.kvm4j.arm.state.GicRegister.array;
import static dev.kvm4j.arm.state.GicRegister.lineLevels;
import static dev.kvm4j.arm.state.GicRegister.one;
import static dev.kvm4j.arm.state.GicRegister.setClear;
import static dev.kvm4j.arm.state.GicRegister.sysreg;

/**
 * What a vGICv3 holds, in the order it is restored (kernel {@code arm-vgic-v3.rst}; QEMU's
 * {@code arm_gicv3_kvm.c} walks the same registers). Offsets are the GICv3 architecture's: distributor
 * from GICD base, redistributor from RD_base with the SGI frame 64 KiB above.
 * <ul>
 * <li>GICD_IIDR first: it tells KVM which revision of its behaviour the saved state assumes.</li>
 * <li>KVM's distributor always routes by affinity (ARE=1), so INTIDs below 32 live in the redistributors
 *     and the distributor's copies are RAZ/WI: the distributor rows cover SPIs only.</li>
 * <li>Trigger configuration and line levels before pending, so KVM reads pending as edge or level
 *     correctly; IROUTER before pending, so a pending SPI is queued on the vCPU it targets.</li>
 * <li>Through this interface ISPENDR reads and writes the latched pending bit only, ICPENDR is RAZ/WI:
 *     a level line's state is the latch plus LEVEL_INFO.</li>
 * <li>No GICR_PROPBASER/PENDBASER: without an ITS, KVM offers no LPIs (GICR_TYPER.PLPIS = 0).</li>
 * </ul>
 */
final class GicV3Registers {
    private GicV3Registers() {}

    private static final int D = KVM_DEV_ARM_VGIC_GRP_DIST_REGS, R = KVM_DEV_ARM_VGIC_GRP_REDIST_REGS;
    /** The redistributor's SGI_base frame follows RD_base. */
    private static final int SGI = 0x10000;

    static final int GICD_CTLR = 0x0000, GICD_TYPER = 0x0004, GICD_IIDR = 0x0008;
    static final int ICC_CTLR_EL1 = GicRegister.instr(3, 0, 12, 12, 4);

    static final List<GicRegisterBlock> TABLE = List.of(
            GicRegisterBlock.shared(
                    one("GICD_IIDR", D, GICD_IIDR),
                    one("GICD_CTLR", D, GICD_CTLR),
                    one("GICD_STATUSR", D, 0x0010)),
            GicRegisterBlock.perVcpu(
                    one("GICR_CTLR", R, 0x0000),
                    one("GICR_STATUSR", R, 0x0010),
                    one("GICR_WAKER", R, 0x0014),
                    array("GICR_IGROUPR0", R, SGI + 0x0080, PRIVATE, 1),
                    setClear("GICR_ISENABLER0", R, SGI + 0x0100, SGI + 0x0180, PRIVATE),
                    // ICFGR0 (SGIs) is read-only: SGIs are always edge-triggered.
                    array("GICR_ICFGR1", R, SGI + 0x0C00, PPIS, 2),
                    lineLevels(PRIVATE),
                    setClear("GICR_ISPENDR0", R, SGI + 0x0200, SGI + 0x0280, PRIVATE),
                    setClear("GICR_ISACTIVER0", R, SGI + 0x0300, SGI + 0x0380, PRIVATE),
                    array("GICR_IPRIORITYR", R, SGI + 0x0400, PRIVATE, 8)),
            GicRegisterBlock.shared(
                    array("GICD_IGROUPR", D, 0x0080, SPIS, 1),
                    setClear("GICD_ISENABLER", D, 0x0100, 0x0180, SPIS),
                    // 64-bit registers: the interface takes them as two 32-bit halves, low first.
                    array("GICD_IROUTER", D, 0x6000, SPIS, 64),
                    array("GICD_ICFGR", D, 0x0C00, SPIS, 2),
                    lineLevels(SPIS),
                    setClear("GICD_ISPENDR", D, 0x0200, 0x0280, SPIS),
                    setClear("GICD_ISACTIVER", D, 0x0300, 0x0380, SPIS),
                    array("GICD_IPRIORITYR", D, 0x0400, SPIS, 8)),
            GicRegisterBlock.perVcpu(
                    // KVM's SRE is fixed (system-register interface on) and refuses any other value: a check as much as a restore.
                    sysreg("ICC_SRE_EL1", 3, 0, 12, 12, 5),
                    sysreg("ICC_CTLR_EL1", 3, 0, 12, 12, 4),
                    sysreg("ICC_IGRPEN0_EL1", 3, 0, 12, 12, 6),
                    sysreg("ICC_IGRPEN1_EL1", 3, 0, 12, 12, 7),
                    sysreg("ICC_PMR_EL1", 3, 0, 4, 6, 0),
                    sysreg("ICC_BPR0_EL1", 3, 0, 12, 8, 3),
                    sysreg("ICC_BPR1_EL1", 3, 0, 12, 12, 3),
                    // Active-priority registers: one per 32 preemption levels, so 1, 2 or 4 by PRIbits 5, 6, 7.
                    sysreg("ICC_AP0R0_EL1", 3, 0, 12, 8, 4),
                    sysreg("ICC_AP0R1_EL1", 3, 0, 12, 8, 5, 6),
                    sysreg("ICC_AP0R2_EL1", 3, 0, 12, 8, 6, 7),
                    sysreg("ICC_AP0R3_EL1", 3, 0, 12, 8, 7, 7),
                    sysreg("ICC_AP1R0_EL1", 3, 0, 12, 9, 0),
                    sysreg("ICC_AP1R1_EL1", 3, 0, 12, 9, 1, 6),
                    sysreg("ICC_AP1R2_EL1", 3, 0, 12, 9, 2, 7),
                    sysreg("ICC_AP1R3_EL1", 3, 0, 12, 9, 3, 7)));

    /** ICC_CTLR_EL1.PRIbits (bits 10:8) holds the number of priority bits minus one. */
    static int priBits(long iccCtlr) { return (int) ((iccCtlr >>> 8) & 0x7) + 1; }
}
