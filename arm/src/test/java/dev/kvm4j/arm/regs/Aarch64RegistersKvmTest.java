package dev.kvm4j.arm.regs;

import dev.kvm4j.arm.ArmGuest;
import dev.kvm4j.arm.VcpuFeature;
import dev.kvm4j.kvm.VcpuExit;
import dev.kvm4j.kvm.testing.RealKvm;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * (e): an AArch64 guest and the core registers x0–x30, SP_EL0, SP_EL1, V0–V31, FPSR and FPCR, both ways.
 * Table layout (guest input at 0x40001000, output at 0x40002000): x0..x30 at 8n, SP_EL0 at 248, SP_EL1 at
 * 256, V0..V31 at 272 + 16n, FPSR at 784, FPCR at 792.
 */
@RealKvm(arch = "aarch64")
class Aarch64RegistersKvmTest {
    private static final int SP_EL0_AT = 248, SP_EL1_AT = 256, V_AT = 272, FPSR_AT = 784, FPCR_AT = 792;
    /** FPSR: NZCV, QC and the cumulative flags; FPCR: AHP, DN, FZ, RMode. No trap enables, no FZ16. */
    private static final long FPSR_IN = 0xa800009fL, FPCR_IN = 0x07c00000L, FPSR_OUT = 0x5000001bL, FPCR_OUT = 0x01400000L;

    // Hand-assembled A64 (aarch64-linux-gnu-as; objdump -d).
    /** Loads every register from the input table; SP_EL1 comes last and is the MMIO address it stores to. */
    private static final int[] LOAD_ALL = {
            0xd2a00600, //   0: mov x0, #0x300000
            0xd5181040, //   4: msr cpacr_el1, x0
            0xd5033fdf, //   8: isb
            0xd2a8001e, //   c: movz x30, #0x4000, lsl #16
            0xf282001e, //  10: movk x30, #0x1000
            0xad4887c0, //  14: ldp q0, q1, [x30, #272]
            0xad498fc2, //  18: ldp q2, q3, [x30, #304]
            0xad4a97c4, //  1c: ldp q4, q5, [x30, #336]
            0xad4b9fc6, //  20: ldp q6, q7, [x30, #368]
            0xad4ca7c8, //  24: ldp q8, q9, [x30, #400]
            0xad4dafca, //  28: ldp q10, q11, [x30, #432]
            0xad4eb7cc, //  2c: ldp q12, q13, [x30, #464]
            0xad4fbfce, //  30: ldp q14, q15, [x30, #496]
            0xad50c7d0, //  34: ldp q16, q17, [x30, #528]
            0xad51cfd2, //  38: ldp q18, q19, [x30, #560]
            0xad52d7d4, //  3c: ldp q20, q21, [x30, #592]
            0xad53dfd6, //  40: ldp q22, q23, [x30, #624]
            0xad54e7d8, //  44: ldp q24, q25, [x30, #656]
            0xad55efda, //  48: ldp q26, q27, [x30, #688]
            0xad56f7dc, //  4c: ldp q28, q29, [x30, #720]
            0xad57ffde, //  50: ldp q30, q31, [x30, #752]
            0xf9418bc0, //  54: ldr x0, [x30, #784]
            0xd51b4420, //  58: msr fpsr, x0
            0xf9418fc0, //  5c: ldr x0, [x30, #792]
            0xd51b4400, //  60: msr fpcr, x0
            0xf9407fc0, //  64: ldr x0, [x30, #248]
            0xd5184100, //  68: msr sp_el0, x0
            0xf94083c0, //  6c: ldr x0, [x30, #256]
            0x9100001f, //  70: mov sp, x0
            0xa94007c0, //  74: ldp x0, x1, [x30, #0]
            0xa9410fc2, //  78: ldp x2, x3, [x30, #16]
            0xa94217c4, //  7c: ldp x4, x5, [x30, #32]
            0xa9431fc6, //  80: ldp x6, x7, [x30, #48]
            0xa94427c8, //  84: ldp x8, x9, [x30, #64]
            0xa9452fca, //  88: ldp x10, x11, [x30, #80]
            0xa94637cc, //  8c: ldp x12, x13, [x30, #96]
            0xa9473fce, //  90: ldp x14, x15, [x30, #112]
            0xa94847d0, //  94: ldp x16, x17, [x30, #128]
            0xa9494fd2, //  98: ldp x18, x19, [x30, #144]
            0xa94a57d4, //  9c: ldp x20, x21, [x30, #160]
            0xa94b5fd6, //  a0: ldp x22, x23, [x30, #176]
            0xa94c67d8, //  a4: ldp x24, x25, [x30, #192]
            0xa94d6fda, //  a8: ldp x26, x27, [x30, #208]
            0xa94e77dc, //  ac: ldp x28, x29, [x30, #224]
            0xf9407bde, //  b0: ldr x30, [x30, #240]
            0xf90003ff, //  b4: str xzr, [sp]
            0x14000000, //  b8: b .
    };

    /** Stores every register to the output table through SP_EL1, which the VMM points at it. */
    private static final int[] STORE_ALL = {
            0xa90007e0, //   0: stp x0, x1, [sp, #0]
            0xa9010fe2, //   4: stp x2, x3, [sp, #16]
            0xa90217e4, //   8: stp x4, x5, [sp, #32]
            0xa9031fe6, //   c: stp x6, x7, [sp, #48]
            0xa90427e8, //  10: stp x8, x9, [sp, #64]
            0xa9052fea, //  14: stp x10, x11, [sp, #80]
            0xa90637ec, //  18: stp x12, x13, [sp, #96]
            0xa9073fee, //  1c: stp x14, x15, [sp, #112]
            0xa90847f0, //  20: stp x16, x17, [sp, #128]
            0xa9094ff2, //  24: stp x18, x19, [sp, #144]
            0xa90a57f4, //  28: stp x20, x21, [sp, #160]
            0xa90b5ff6, //  2c: stp x22, x23, [sp, #176]
            0xa90c67f8, //  30: stp x24, x25, [sp, #192]
            0xa90d6ffa, //  34: stp x26, x27, [sp, #208]
            0xa90e77fc, //  38: stp x28, x29, [sp, #224]
            0xf9007bfe, //  3c: str x30, [sp, #240]
            0xd5384100, //  40: mrs x0, sp_el0
            0xf9007fe0, //  44: str x0, [sp, #248]
            0x910003e0, //  48: mov x0, sp
            0xf90083e0, //  4c: str x0, [sp, #256]
            0xd2a00600, //  50: mov x0, #0x300000
            0xd5181040, //  54: msr cpacr_el1, x0
            0xd5033fdf, //  58: isb
            0xad0887e0, //  5c: stp q0, q1, [sp, #272]
            0xad098fe2, //  60: stp q2, q3, [sp, #304]
            0xad0a97e4, //  64: stp q4, q5, [sp, #336]
            0xad0b9fe6, //  68: stp q6, q7, [sp, #368]
            0xad0ca7e8, //  6c: stp q8, q9, [sp, #400]
            0xad0dafea, //  70: stp q10, q11, [sp, #432]
            0xad0eb7ec, //  74: stp q12, q13, [sp, #464]
            0xad0fbfee, //  78: stp q14, q15, [sp, #496]
            0xad10c7f0, //  7c: stp q16, q17, [sp, #528]
            0xad11cff2, //  80: stp q18, q19, [sp, #560]
            0xad12d7f4, //  84: stp q20, q21, [sp, #592]
            0xad13dff6, //  88: stp q22, q23, [sp, #624]
            0xad14e7f8, //  8c: stp q24, q25, [sp, #656]
            0xad15effa, //  90: stp q26, q27, [sp, #688]
            0xad16f7fc, //  94: stp q28, q29, [sp, #720]
            0xad17fffe, //  98: stp q30, q31, [sp, #752]
            0xd53b4420, //  9c: mrs x0, fpsr
            0xf9018be0, //  a0: str x0, [sp, #784]
            0xd53b4400, //  a4: mrs x0, fpcr
            0xf9018fe0, //  a8: str x0, [sp, #792]
            0xd2a20000, //  ac: movz x0, #0x1000, lsl #16
            0xf900001f, //  b0: str xzr, [x0]
            0x14000000, //  b4: b .
    };

    static long x(int n, int salt) { return 0x5a00_0000_0000_0000L ^ ((long) salt << 48) ^ ((long) n << 32) ^ (0x0101_0101L * (n + 7)); }

    static RegisterValue v(int n, int salt) {
        return RegisterValue.of128(0x1234_5678_0000_0000L ^ ((long) salt << 60) ^ (0x10001L * n), 0x0fed_cba9_0000_0000L ^ n ^ ((long) salt << 56));
    }

    @Test
    void guestLoadsEveryCoreRegisterAndTheVmmReadsEach() {
        long spEl0 = 0x0000_7fff_dead_0000L, spEl1 = ArmGuest.MMIO;
        try (ArmGuest g = ArmGuest.create(VcpuFeature.PSCI_0_2)) {
            for (int n = 0; n <= 30; n++) g.memory.writeLong(ArmGuest.INPUT + 8L * n, x(n, 0));
            g.memory.writeLong(ArmGuest.INPUT + SP_EL0_AT, spEl0);
            g.memory.writeLong(ArmGuest.INPUT + SP_EL1_AT, spEl1);
            for (int n = 0; n < 32; n++) g.memory.write(ArmGuest.INPUT + V_AT + 16L * n, v(n, 0).bytes());
            g.memory.writeLong(ArmGuest.INPUT + FPSR_AT, FPSR_IN);
            g.memory.writeLong(ArmGuest.INPUT + FPCR_AT, FPCR_IN);
            g.load(LOAD_ALL);

            VcpuExit.Mmio exit = g.runToMmio();
            assertEquals(spEl1, exit.address(), "the store went through SP_EL1");
            CpuState s = g.core();
            for (int n = 0; n <= 30; n++) assertEquals(x(n, 0), s.getLong(CoreRegister.x(n)), "x" + n);
            assertEquals(spEl0, s.getLong(CoreRegister.SP));
            assertEquals(spEl1, s.getLong(CoreRegister.SP_EL1));
            for (int n = 0; n < 32; n++) assertEquals(v(n, 0), s.get(CoreRegister.v(n)), "v" + n);
            assertEquals(FPSR_IN, s.getLong(CoreRegister.FPSR));
            assertEquals(FPCR_IN, s.getLong(CoreRegister.FPCR));
        }
    }

    @Test
    void vmmWritesEveryCoreRegisterAndTheGuestStoresEach() {
        long spEl0 = 0x0000_7fff_beef_0010L, spEl1 = ArmGuest.OUTPUT;
        try (ArmGuest g = ArmGuest.create(VcpuFeature.PSCI_0_2)) {
            CpuState before = g.core();
            CpuState s = before;
            for (int n = 0; n <= 30; n++) s = s.with(CoreRegister.x(n), x(n, 1));
            for (int n = 0; n < 32; n++) s = s.with(CoreRegister.v(n), v(n, 1));
            s = s.with(CoreRegister.SP, spEl0).with(CoreRegister.SP_EL1, spEl1).with(CoreRegister.FPSR, FPSR_OUT).with(CoreRegister.FPCR, FPCR_OUT);
            VcpuRegisters.writeChanges(g.vcpu, before, s);
            g.load(STORE_ALL);

            g.runToMmio();
            for (int n = 0; n <= 30; n++) assertEquals(x(n, 1), g.memory.readLong(ArmGuest.OUTPUT + 8L * n), "x" + n);
            assertEquals(spEl0, g.memory.readLong(ArmGuest.OUTPUT + SP_EL0_AT));
            assertEquals(spEl1, g.memory.readLong(ArmGuest.OUTPUT + SP_EL1_AT));
            for (int n = 0; n < 32; n++) {
                assertEquals(v(n, 1), RegisterValue.ofBytes(g.memory.read(ArmGuest.OUTPUT + V_AT + 16L * n, 16)), "v" + n);
            }
            assertEquals(FPSR_OUT, g.memory.readLong(ArmGuest.OUTPUT + FPSR_AT));
            assertEquals(FPCR_OUT, g.memory.readLong(ArmGuest.OUTPUT + FPCR_AT));
        }
    }
}
