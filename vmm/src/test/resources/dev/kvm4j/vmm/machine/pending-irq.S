// A bare arm64 "kernel" for kvm4j's snapshot tests (PendingInterruptSnapshotKvmTest, CrossModelSnapshotKvmTest).
// Entered at EL1h with DAIF masked (KVM's reset PSTATE). Built for GICv2 and GICv3 with:
//   for g in 2 3; do aarch64-linux-gnu-gcc -c -x assembler-with-cpp -DGIC=$g pending-irq.S -o v$g.o &&
//     aarch64-linux-gnu-objcopy -O binary v$g.o pending-irq-gicv$g.bin; done
// It enables INTIDs 75 and 76 and makes 75 pending itself (ISPENDR), prints "R", then waits with IRQs masked
// until the word at "flag" (its x3) is non-zero, unmasks and waits in WFI. The IRQ handler prints
// "<" INTID-as-a-character ">" (75 = K, 76 = L) and ends the interrupt. Addresses: kvm4j's Layout.
    .text
    .globl _start
_start:
    b code                      // 0x00 (no EFI "MZ": kvm4j's loader reads only the header)
    .word 0
    .quad 0                     // 0x08 text_offset
    .quad 0x10000               // 0x10 image_size
    .quad 0xa                   // 0x18 flags: little-endian, 4K pages, placed anywhere
    .quad 0, 0, 0               // 0x20 res2..res4
    .word 0x644d5241            // 0x38 "ARM\x64"
    .word 0
code:
    ldr x0, gicd
    ldr x1, gicc_or_rd
    ldr x2, uart
    adr x3, flag
    adr x6, vectors
    msr vbar_el1, x6
    isb
    mov w9, #0x101              // UARTCR: UARTEN | TXE
    str w9, [x2, #0x30]
#if GIC == 3
    ldr w9, [x1, #0x14]         // GICR_WAKER: clear ProcessorSleep, wait for ChildrenAsleep to clear
    and w9, w9, #~2
    str w9, [x1, #0x14]
1:  ldr w9, [x1, #0x14]
    tbnz w9, #2, 1b
    mov w9, #0x13               // GICD_CTLR: ARE, both groups
    str w9, [x0]
2:  ldr w9, [x0]
    tbnz w9, #31, 2b
    mov w9, #(3 << 11)          // INTIDs 75 and 76: group 1, enabled
    str w9, [x0, #0x88]         // IGROUPR2
    str w9, [x0, #0x108]        // ISENABLER2
#else
    mov w9, #1
    str w9, [x0]                // GICD_CTLR: enable
    mov w9, #(3 << 11)
    str w9, [x0, #0x108]        // ISENABLER2
    mov w9, #1
    strb w9, [x0, #(0x800 + 75)] // ITARGETSR: CPU interface 0
    strb w9, [x0, #(0x800 + 76)]
#endif
    mov w9, #(1 << 11)          // INTID 75 pending, set by the guest itself (ISPENDR2)
    str w9, [x0, #0x208]
#if GIC == 3
    mrs x9, icc_sre_el1
    orr x9, x9, #1
    msr icc_sre_el1, x9
    isb
    mov x9, #0xf0
    msr icc_pmr_el1, x9
    mov x9, #1
    msr icc_igrpen1_el1, x9
    isb
#else
    mov w9, #0xf0
    str w9, [x1, #4]            // GICC_PMR
    mov w9, #1
    str w9, [x1]                // GICC_CTLR: enable
#endif
    mov w9, #'R'                // ready: everything set up, IRQs still masked
    str w9, [x2]
    mov w9, #'\n'
    str w9, [x2]
3:  ldr w9, [x3]                // wait for the test to set the flag (only in the restored machine)
    cbz w9, 3b
    msr daifclr, #2
4:  wfi
    b 4b

    .balign 8
gicd:       .quad 0x08000000
#if GIC == 3
gicc_or_rd: .quad 0x080A0000
#else
gicc_or_rd: .quad 0x08010000
#endif
uart:       .quad 0x09000000
flag:       .word 0

    .balign 2048
vectors:
    .rept 5                     // 0x000..0x200: stray exceptions print '!' and stop
    mov w10, #'!'
    str w10, [x2]
    b .
    .balign 0x80
    .endr
irq:                            // 0x280: current EL, SPx, IRQ: print <INTID as a character>, end it
#if GIC == 3
    mrs x9, icc_iar1_el1
#else
    ldr w9, [x1, #0xc]          // GICC_IAR
#endif
    mov w10, #'<'
    str w10, [x2]
    str w9, [x2]
    mov w10, #'>'
    str w10, [x2]
    mov w10, #'\n'
    str w10, [x2]
#if GIC == 3
    msr icc_eoir1_el1, x9
#else
    str w9, [x1, #0x10]         // GICC_EOIR
#endif
    eret
    .balign 0x80
    .rept 10
    mov w10, #'!'
    str w10, [x2]
    b .
    .balign 0x80
    .endr
