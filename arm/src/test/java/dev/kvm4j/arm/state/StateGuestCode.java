package dev.kvm4j.arm.state;

import java.util.Arrays;

/**
 * Hand-assembled AArch64 guests (aarch64-linux-gnu-as, objdump -d) for the snapshot tests: enable one SPI
 * and the CPU interface (priority mask 0xf0, binary point 3, so the interface's saved state is not its reset
 * state), unmask IRQs, write READY, wait in WFI. The IRQ handler acknowledges, writes the INTID to REPORT,
 * ends the interrupt and returns. Registers from the test:
 * <pre>
 *   x0 GICD base   x1 vCPU 0's GICR RD_base (v3) or GICC base (v2)   x2 READY   x3 REPORT
 *   x4 the SPI's ISENABLER word   w5 the SPI's bit   x6 vector table   x7 FAULT window
 *   x8 v3: the SPI's IGROUPR word; v2: its ITARGETSR byte
 * </pre>
 */
final class StateGuestCode {
    private StateGuestCode() {}

    static final int VECTOR_OFFSET = 0x800, IRQ_VECTOR = 0x280;

    private static final int[] V3 = {
            0xd518c006, // msr  vbar_el1, x6
            0xd5033fdf, // isb
            0xb9401429, // ldr  w9, [x1, #0x14]     GICR_WAKER: clear ProcessorSleep
            0x121e7929, // and  w9, w9, #~2
            0xb9001429, // str  w9, [x1, #0x14]
            0xb9401429, // 1: ldr w9, [x1, #0x14]   wait for ChildrenAsleep to clear
            0x3717ffe9, // tbnz w9, #2, 1b
            0x52800269, // mov  w9, #0x13           GICD_CTLR: ARE, both groups
            0xb9000009, // str  w9, [x0]
            0xb9400009, // 2: ldr w9, [x0]          wait for RWP
            0x37ffffe9, // tbnz w9, #31, 2b
            0xb9400109, // ldr  w9, [x8]            IGROUPR: group 1
            0x2a050129, // orr  w9, w9, w5
            0xb9000109, // str  w9, [x8]
            0xb9000085, // str  w5, [x4]            ISENABLER
            0xd538cca9, // mrs  x9, icc_sre_el1
            0xb2400129, // orr  x9, x9, #1
            0xd518cca9, // msr  icc_sre_el1, x9
            0xd5033fdf, // isb
            0xd2801e09, // mov  x9, #0xf0
            0xd5184609, // msr  icc_pmr_el1, x9
            0xd2800069, // mov  x9, #3
            0xd518cc69, // msr  icc_bpr1_el1, x9
            0xd2800029, // mov  x9, #1
            0xd518cce9, // msr  icc_igrpen1_el1, x9
            0xd5033fdf, // isb
            0xd50342ff, // msr  daifclr, #2
            0xf900005f, // str  xzr, [x2]           READY
            0xd503207f, // 3: wfi
            0x17ffffff, // b    3b
    };

    private static final int[] V3_HANDLER = {
            0xd538cc09, // mrs  x9, icc_iar1_el1
            0xb9000069, // str  w9, [x3]            REPORT
            0xd518cc29, // msr  icc_eoir1_el1, x9
            0xd69f03e0, // eret
    };

    private static final int[] V2 = {
            0xd518c006, // msr  vbar_el1, x6
            0xd5033fdf, // isb
            0x52800029, // mov  w9, #1
            0xb9000009, // str  w9, [x0]            GICD_CTLR: enable
            0xb9000085, // str  w5, [x4]            ISENABLER
            0x39000109, // strb w9, [x8]            ITARGETSR: CPU interface 0
            0x52801e09, // mov  w9, #0xf0
            0xb9000429, // str  w9, [x1, #4]        GICC_PMR
            0x52800069, // mov  w9, #3
            0xb9000829, // str  w9, [x1, #8]        GICC_BPR
            0x52800029, // mov  w9, #1
            0xb9000029, // str  w9, [x1]            GICC_CTLR: enable
            0xd50342ff, // msr  daifclr, #2
            0xf900005f, // str  xzr, [x2]           READY
            0xd503207f, // 3: wfi
            0x17ffffff, // b    3b
    };

    private static final int[] V2_HANDLER = {
            0xb9400c29, // ldr  w9, [x1, #0xc]      GICC_IAR
            0xb9000069, // str  w9, [x3]            REPORT
            0xb9001029, // str  w9, [x1, #0x10]     GICC_EOIR
            0xd69f03e0, // eret
    };

    /** Setup code at 0, the vector table at {@link #VECTOR_OFFSET}; stray vectors write ESR_EL1 to FAULT + offset. */
    static int[] image(boolean v3) {
        int[] image = Arrays.copyOf(v3 ? V3 : V2, (VECTOR_OFFSET + 16 * 0x80) / 4);
        int[] handler = v3 ? V3_HANDLER : V2_HANDLER;
        for (int vector = 0; vector < 16 * 0x80; vector += 0x80) {
            int at = (VECTOR_OFFSET + vector) / 4;
            if (vector == IRQ_VECTOR) {
                System.arraycopy(handler, 0, image, at, handler.length);
            } else {
                image[at] = 0xd538520a;                                  // mrs x10, esr_el1
                image[at + 1] = 0xf9000000 | (vector / 8) << 10 | 7 << 5 | 10; // str x10, [x7, #vector]
                image[at + 2] = 0x14000000;                              // b .
            }
        }
        return image;
    }
}
