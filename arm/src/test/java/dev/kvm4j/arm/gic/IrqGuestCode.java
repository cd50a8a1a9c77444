package dev.kvm4j.arm.gic;

import java.util.Arrays;

/**
 * Hand-assembled AArch64 guests (aarch64-linux-gnu-as + objdump -d) that enable one interrupt in their GIC,
 * unmask IRQs, report "ready" and wait in WFI; their IRQ handler acknowledges, reports the INTID and ends
 * the interrupt. The test supplies every address in registers, so one image serves SPIs and PPIs:
 * <pre>
 *   x0 GICD base          x1 GICR RD_base of vCPU 0 (v3) or GICC base (v2)
 *   x2 READY address      x3 REPORT address        x4 the ISENABLER word to write   w5 the interrupt's bit
 *   x6 vector table       x7 FAULT window          x8 v3: the IGROUPR word; v2: the ITARGETSR byte or 0
 * </pre>
 * The image is the code at offset 0 and a 2 KiB-aligned vector table at {@link #VECTOR_OFFSET}: the IRQ
 * entry for "current EL, SP_ELx" (the vCPU starts in EL1h) holds the handler, every other entry reports
 * ESR_EL1 to FAULT + its offset so a stray exception fails the test instead of looping.
 */
final class IrqGuestCode {
    private IrqGuestCode() {}

    static final int VECTOR_OFFSET = 0x800;
    /** Current EL with SP_ELx, IRQ. */
    static final int IRQ_VECTOR = 0x280;

    static final int[] V3_SETUP = {
            0xd518c006, //   msr  vbar_el1, x6
            0xd5033fdf, //   isb
            // Wake the redistributor: clear GICR_WAKER.ProcessorSleep, wait for ChildrenAsleep to clear.
            0xb9401429, //   ldr  w9, [x1, #0x14]
            0x121e7929, //   and  w9, w9, #~2
            0xb9001429, //   str  w9, [x1, #0x14]
            0xb9401429, // 1: ldr w9, [x1, #0x14]
            0x3717ffe9, //   tbnz w9, #2, 1b
            // Distributor: affinity routing + both groups (KVM's GICv3 has one security state), wait RWP.
            0x52800269, //   mov  w9, #0x13
            0xb9000009, //   str  w9, [x0]                 GICD_CTLR
            0xb9400009, // 2: ldr w9, [x0]
            0x37ffffe9, //   tbnz w9, #31, 2b
            // The interrupt: group 1 (what ICC_IGRPEN1_EL1 enables), then enabled.
            0xb9400109, //   ldr  w9, [x8]                 IGROUPR
            0x2a050129, //   orr  w9, w9, w5
            0xb9000109, //   str  w9, [x8]
            0xb9000085, //   str  w5, [x4]                 ISENABLER
            // CPU interface through system registers: SRE on, every priority passes, group 1 on.
            0xd538cca9, //   mrs  x9, icc_sre_el1
            0xb2400129, //   orr  x9, x9, #1
            0xd518cca9, //   msr  icc_sre_el1, x9
            0xd5033fdf, //   isb
            0xd2801fe9, //   mov  x9, #0xff
            0xd5184609, //   msr  icc_pmr_el1, x9
            0xd2800029, //   mov  x9, #1
            0xd518cce9, //   msr  icc_igrpen1_el1, x9
            0xd5033fdf, //   isb
            0xd50342ff, //   msr  daifclr, #2              unmask IRQs
            0xf900005f, //   str  xzr, [x2]                READY
            0xd503207f, // 3: wfi
            0x17ffffff, //   b    3b
    };

    static final int[] V3_HANDLER = {
            0xd538cc09, //   mrs  x9, icc_iar1_el1         acknowledge: x9 = INTID
            0xb9000069, //   str  w9, [x3]                 REPORT
            0xd518cc29, //   msr  icc_eoir1_el1, x9        EOImode 0: priority drop and deactivate
            0xd69f03e0, //   eret
    };

    static final int[] V2_SETUP = {
            0xd518c006, //   msr  vbar_el1, x6
            0xd5033fdf, //   isb
            0x52800029, //   mov  w9, #1
            0xb9000009, //   str  w9, [x0]                 GICD_CTLR: enable (KVM's SPIs start in group 0)
            0xb9000085, //   str  w5, [x4]                 ISENABLER
            0xb4000048, //   cbz  x8, 1f                   PPIs have no target to set
            0x39000109, //   strb w9, [x8]                 ITARGETSR: CPU interface 0
            0x52801e09, // 1: mov w9, #0xf0
            0xb9000429, //   str  w9, [x1, #4]             GICC_PMR: priority 0 (the default) passes
            0x52800029, //   mov  w9, #1
            0xb9000029, //   str  w9, [x1]                 GICC_CTLR: enable group 0, signalled as IRQ
            0xd50342ff, //   msr  daifclr, #2
            0xf900005f, //   str  xzr, [x2]                READY
            0xd503207f, // 2: wfi
            0x17ffffff, //   b    2b
    };

    static final int[] V2_HANDLER = {
            0xb9400c29, //   ldr  w9, [x1, #0xc]           GICC_IAR: w9 = INTID (CPU id bits 0 for SPIs/PPIs)
            0xb9000069, //   str  w9, [x3]                 REPORT
            0xb9001029, //   str  w9, [x1, #0x10]          GICC_EOIR
            0xd69f03e0, //   eret
    };

    /** The whole image for {@code version}: setup code, then the vector table. */
    static int[] image(GicVersion version) {
        int[] setup = version == GicVersion.V3 ? V3_SETUP : V2_SETUP;
        int[] handler = version == GicVersion.V3 ? V3_HANDLER : V2_HANDLER;
        int[] image = Arrays.copyOf(setup, (VECTOR_OFFSET + 16 * 0x80) / 4);
        for (int vector = 0; vector < 16 * 0x80; vector += 0x80) {
            int at = (VECTOR_OFFSET + vector) / 4;
            if (vector == IRQ_VECTOR) {
                System.arraycopy(handler, 0, image, at, handler.length);
            } else {
                image[at] = 0xd538520a;               // mrs x10, esr_el1
                image[at + 1] = strX(10, 7, vector);  // str x10, [x7, #vector]
                image[at + 2] = 0x14000000;           // b .
            }
        }
        return image;
    }

    /** {@code str Xt, [Xn, #offset]} (unsigned offset form: imm12 = offset / 8 at bit 10). */
    static int strX(int rt, int rn, int offset) {
        if (offset % 8 != 0 || offset < 0 || offset > 8 * 4095) throw new IllegalArgumentException("offset " + offset);
        return 0xf9000000 | (offset / 8) << 10 | rn << 5 | rt;
    }
}
