package dev.kvm4j.arm.state;

import static dev.kvm4j.arm.gic.GicAbi.KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS;
import static dev.kvm4j.arm.gic.GicAbi.KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO;

/**
 * One row of a vGIC register table: a register (or a register array indexed by INTID) in one of the
 * device's attribute groups.
 *
 * @param name         the architecture's name (GICD_ISENABLER, ICC_PMR_EL1 …)
 * @param group        the KVM_DEV_ARM_VGIC_GRP_* it is reached through
 * @param offset       byte offset in its frame; CPU_SYSREGS: the op0..op2 encoding; LEVEL_INFO: unused
 * @param intids       which INTIDs an array covers, or {@link Intids#ONE} for a plain register
 * @param bitsPerIrq   array field width (1, 2, 8, 64); 0 for a plain register
 * @param clearOffset  for a set/clear pair (ISENABLER/ICENABLER …) the clear register, written all-ones
 *                     before the set register so a restore ends with exactly the saved bits; -1 for none
 * @param minPriBits   ICC_APnR_EL1 only: exists when ICC_CTLR_EL1.PRIbits + 1 is at least this (0: always)
 */
record GicRegister(String name, int group, int offset, Intids intids, int bitsPerIrq, int clearOffset, int minPriBits) {

    /** The INTID span of an array row. Private INTIDs (below 32) are banked per vCPU. */
    enum Intids {
        ONE(0, 0), SGIS(0, 16), PPIS(16, 32), PRIVATE(0, 32), SPIS(32, -1), ALL(0, -1), PPIS_AND_SPIS(16, -1);

        final int from;
        /** -1: up to the vGIC's number of INTIDs. */
        final int to;

        Intids(int from, int to) {
            this.from = from;
            this.to = to;
        }
    }

    static GicRegister one(String name, int group, int offset) {
        return new GicRegister(name, group, offset, Intids.ONE, 0, -1, 0);
    }

    static GicRegister array(String name, int group, int offset, Intids intids, int bitsPerIrq) {
        return new GicRegister(name, group, offset, intids, bitsPerIrq, -1, 0);
    }

    /** A 1-bit set/clear pair: the set register at {@code offset}, the clear one at {@code clearOffset}. */
    static GicRegister setClear(String name, int group, int offset, int clearOffset, Intids intids) {
        return new GicRegister(name, group, offset, intids, 1, clearOffset, 0);
    }

    static GicRegister sysreg(String name, int op0, int op1, int crn, int crm, int op2) {
        return sysreg(name, op0, op1, crn, crm, op2, 0);
    }

    static GicRegister sysreg(String name, int op0, int op1, int crn, int crm, int op2, int minPriBits) {
        return new GicRegister(name, KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS, instr(op0, op1, crn, crm, op2), Intids.ONE, 0, -1, minPriBits);
    }

    /** A LEVEL_INFO row: one u32 bitmap of line levels per 32 INTIDs. */
    static GicRegister lineLevels(Intids intids) {
        return new GicRegister("LINE_LEVEL", KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO, 0, intids, 1, -1, 0);
    }

    /** The CPU_SYSREGS instr field: the MRS/MSR operand encoding. */
    static int instr(int op0, int op1, int crn, int crm, int op2) {
        return op0 << 14 | op1 << 11 | crn << 7 | crm << 3 | op2;
    }

    /** CPU_SYSREGS values are u64; every other group's are u32. */
    int size() { return group == KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS ? 8 : 4; }
}
