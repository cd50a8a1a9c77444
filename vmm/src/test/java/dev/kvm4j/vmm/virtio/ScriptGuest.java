package dev.kvm4j.vmm.virtio;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A bare-metal AArch64 guest, as an arm64 {@code Image}, that plays a script of memory and MMIO accesses: the
 * vCPU itself writes descriptors and rings into RAM, writes the virtio-mmio registers, polls (with a timeout)
 * and prints what it read on the PL011. The interpreter is the machine code below; the script is data after
 * it, so a test writes a whole driver session in Java and the guest performs every access on real KVM.
 * <p>
 * The MMU stays off (VA = PA, Device memory for every data access): every access must be naturally aligned,
 * which is why reads are 32-bit words with a shift. Script entries are four 64-bit words: op, address, value,
 * mask/shift. Ops: 0 str w, 1 str x, 2 strh, 3 wait until ({@code [a] & m) == v} (10 s of the virtual counter,
 * then prints {@code T}), 4 print the byte v, 5 print {@code ([a] >> m) & 0xff} as two hex digits, 6 PSCI
 * SYSTEM_OFF (over hvc, as the device tree says).
 */
final class ScriptGuest {
    // aarch64-linux-gnu-as, objdump -d; the image's first word branches here (0x40)
    private static final int[] INTERPRETER = {
            0x1000074a, // 0: adr x10, script (0xe8)
            0xf840854b, // 4: ldr x11, [x10], #8         (the UART data register)
            0xa9400540, // 8: loop: ldp x0, x1, [x10]
            0xa9410d42, // c: ldp x2, x3, [x10, #16]
            0x9100814a, // 10: add x10, x10, #0x20
            0xf100001f, // 14: cmp x0, #0x0
            0x540001e0, // 18: b.eq st32
            0xf100041f, // 1c: cmp x0, #0x1
            0x540001e0, // 20: b.eq st64
            0xf100081f, // 24: cmp x0, #0x2
            0x540001e0, // 28: b.eq st16
            0xf1000c1f, // 2c: cmp x0, #0x3
            0x54000220, // 30: b.eq wait
            0xf100101f, // 34: cmp x0, #0x4
            0x540001a0, // 38: b.eq putc
            0xf100141f, // 3c: cmp x0, #0x5
            0x54000380, // 40: b.eq puthex
            0xd2800100, // 44: mov x0, #0x8
            0xf2b08000, // 48: movk x0, #0x8400, lsl #16  (PSCI SYSTEM_OFF)
            0xd4000002, // 4c: hvc #0x0
            0x14000000, // 50: b .
            0xb9000022, // 54: st32: str w2, [x1]
            0x17ffffec, // 58: b loop
            0xf9000022, // 5c: st64: str x2, [x1]
            0x17ffffea, // 60: b loop
            0x79000022, // 64: st16: strh w2, [x1]
            0x17ffffe8, // 68: b loop
            0xb9000162, // 6c: putc: str w2, [x11]
            0x17ffffe6, // 70: b loop
            0xd53be004, // 74: wait: mrs x4, cntfrq_el0
            0xd2800145, // 78: mov x5, #10
            0x9b057c84, // 7c: mul x4, x4, x5
            0xd53be045, // 80: mrs x5, cntvct_el0
            0x8b050084, // 84: add x4, x4, x5           (deadline: 10 s)
            0xb9400026, // 88: 1: ldr w6, [x1]
            0x0a0300c6, // 8c: and w6, w6, w3
            0x6b0200df, // 90: cmp w6, w2
            0x54fffba0, // 94: b.eq loop
            0xd53be045, // 98: mrs x5, cntvct_el0
            0xeb0400bf, // 9c: cmp x5, x4
            0x54ffff43, // a0: b.lo 1b
            0x52800a86, // a4: mov w6, #'T'
            0xb9000166, // a8: str w6, [x11]
            0x17ffffd7, // ac: b loop
            0xb9400026, // b0: puthex: ldr w6, [x1]
            0x1ac324c6, // b4: lsr w6, w6, w3
            0x53041cc7, // b8: ubfx w7, w6, #4, #4
            0x94000004, // bc: bl digit
            0x53000cc7, // c0: ubfx w7, w6, #0, #4
            0x94000002, // c4: bl digit
            0x17ffffd0, // c8: b loop
            0x710028ff, // cc: digit: cmp w7, #10
            0x1100c0e8, // d0: add w8, w7, #'0'
            0x11015ce9, // d4: add w9, w7, #'a' - 10
            0x1a893108, // d8: csel w8, w8, w9, lo
            0xb9000168, // dc: str w8, [x11]
            0xd65f03c0, // e0: ret
            0xd503201f, // e4: nop                      (script at 0xe8, 8-byte aligned)
    };
    private static final int HEADER = 64, IMAGE_MAGIC = 0x644d5241; // "ARM\x64"
    private static final int OP_ST32 = 0, OP_ST64 = 1, OP_ST16 = 2, OP_WAIT = 3, OP_PUTC = 4, OP_PUTHEX = 5, OP_OFF = 6;

    private final ByteArrayOutputStream script = new ByteArrayOutputStream();

    ScriptGuest(long uartData) {
        word(uartData);
    }

    private void word(long v) {
        script.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
    }

    private ScriptGuest op(int op, long a, long v, long m) {
        word(op);
        word(a);
        word(v);
        word(m);
        return this;
    }

    ScriptGuest st32(long a, long v) { return op(OP_ST32, a, v, 0); }
    ScriptGuest st64(long a, long v) { return op(OP_ST64, a, v, 0); }
    ScriptGuest st16(long a, long v) { return op(OP_ST16, a, v, 0); }
    /** Polls the aligned word at {@code a} until {@code (word & mask) == value}; prints T after 10 s. */
    ScriptGuest waitFor(long a, long mask, long value) { return op(OP_WAIT, a, value, mask); }
    ScriptGuest print(String s) {
        for (char c : s.toCharArray()) op(OP_PUTC, 0, c, 0);
        return this;
    }
    /** Prints byte {@code byteIndex} of the aligned word at {@code a} as two hex digits. */
    ScriptGuest hex(long a, int byteIndex) { return op(OP_PUTHEX, a, 0, 8L * byteIndex); }

    /** The arm64 Image: header (branch to the interpreter, text_offset 0, image_size, LE 4K), code, script + OFF. */
    byte[] image() {
        op(OP_OFF, 0, 0, 0);
        byte[] s = script.toByteArray();
        ByteBuffer b = ByteBuffer.allocate(HEADER + INTERPRETER.length * 4 + s.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, 0x14000010); // b +0x40
        b.putLong(0x10, b.capacity() + (1 << 16)).putLong(0x18, 0b1010).putInt(0x38, IMAGE_MAGIC);
        for (int i = 0; i < INTERPRETER.length; i++) b.putInt(HEADER + 4 * i, INTERPRETER[i]);
        b.put(HEADER + INTERPRETER.length * 4, s);
        return b.array();
    }
}
