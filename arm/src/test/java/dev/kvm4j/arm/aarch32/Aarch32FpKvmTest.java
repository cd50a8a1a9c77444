package dev.kvm4j.arm.aarch32;

import dev.kvm4j.arm.ArmGuest;
import dev.kvm4j.arm.VcpuFeature;
import dev.kvm4j.arm.regs.CpuState;
import dev.kvm4j.arm.regs.VcpuRegisters;
import dev.kvm4j.kvm.testing.RealKvm;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * (d): d0–d31 and FPSCR of an AArch32 guest, both ways. The guest first grants itself cp10/cp11 in CPACR
 * and sets FPEXC.EN (KVM resets FPEXC32_EL2 with the FPU off). Skipped on hosts without AArch32 EL1.
 */
@RealKvm(arch = "aarch64")
class Aarch32FpKvmTest {
    /** FPSCR values with only bits every v8 FPU keeps: NZCV, cumulative flags, AHP/DN/FZ/RMode, no traps. */
    private static final long FPSCR_IN = 0xa3c0009fL, FPSCR_OUT = 0x5240001bL;

    // Hand-assembled A32 (arm-linux-gnueabihf-as -march=armv8-a; objdump -d). Data: d0..d31, then FPSCR.
    private static final int[] LOAD_FP = {
            0xee111f50, //   0: mrc p15, 0, r1, c1, c0, 2
            0xe381160f, //   4: orr r1, r1, #0xf00000
            0xee011f50, //   8: mcr p15, 0, r1, c1, c0, 2
            0xf57ff06f, //   c: isb
            0xe3a01101, //  10: mov r1, #0x40000000
            0xeee81a10, //  14: vmsr fpexc, r1
            0xe3010000, //  18: movw r0, #0x1000
            0xe3440000, //  1c: movt r0, #0x4000
            0xecb00b20, //  20: vldmia r0!, {d0-d15}
            0xecf00b20, //  24: vldmia r0!, {d16-d31}
            0xe5901000, //  28: ldr r1, [r0]
            0xeee11a10, //  2c: vmsr fpscr, r1
            0xe3002000, //  30: movw r2, #0
            0xe3412000, //  34: movt r2, #0x1000
            0xe5821000, //  38: str r1, [r2]
            0xeafffffe, //  3c: b .
    };

    private static final int[] STORE_FP = {
            0xee111f50, //   0: mrc p15, 0, r1, c1, c0, 2
            0xe381160f, //   4: orr r1, r1, #0xf00000
            0xee011f50, //   8: mcr p15, 0, r1, c1, c0, 2
            0xf57ff06f, //   c: isb
            0xe3a01101, //  10: mov r1, #0x40000000
            0xeee81a10, //  14: vmsr fpexc, r1
            0xe3020000, //  18: movw r0, #0x2000
            0xe3440000, //  1c: movt r0, #0x4000
            0xeca00b20, //  20: vstmia r0!, {d0-d15}
            0xece00b20, //  24: vstmia r0!, {d16-d31}
            0xeef11a10, //  28: vmrs r1, fpscr
            0xe5801000, //  2c: str r1, [r0]
            0xe3002000, //  30: movw r2, #0
            0xe3412000, //  34: movt r2, #0x1000
            0xe5821000, //  38: str r1, [r2]
            0xeafffffe, //  3c: b .
    };

    static long d(int n, int salt) { return 0x0d0d_0000_0000_0000L ^ ((long) salt << 56) ^ ((long) n << 40) ^ (0x1111_1111L * (n + 1)); }

    @Test
    void guestLoadsD0ToD31AndFpscrAndTheVmmReadsThemByName() {
        try (ArmGuest g = ArmGuest.create(VcpuFeature.PSCI_0_2, VcpuFeature.EL1_32BIT)) {
            for (int n = 0; n < 32; n++) g.memory.writeLong(ArmGuest.INPUT + 8L * n, d(n, 0));
            g.memory.writeInt(ArmGuest.INPUT + 256, (int) FPSCR_IN);
            g.load(LOAD_FP);

            g.runToMmio();
            CpuState s = g.core();
            for (int n = 0; n < 32; n++) assertEquals(d(n, 0), Aarch32View.read(s, "d" + n), "d" + n);
            assertEquals(FPSCR_IN, Aarch32View.read(s, "fpscr"));
        }
    }

    @Test
    void vmmWritesD0ToD31AndFpscrByNameAndTheGuestStoresThem() {
        try (ArmGuest g = ArmGuest.create(VcpuFeature.PSCI_0_2, VcpuFeature.EL1_32BIT)) {
            CpuState before = g.core();
            CpuState s = before;
            for (int n = 0; n < 32; n++) s = Aarch32View.write(s, "d" + n, d(n, 1));
            s = Aarch32View.write(s, "fpscr", FPSCR_OUT);
            VcpuRegisters.writeChanges(g.vcpu, before, s);
            g.load(STORE_FP);

            g.runToMmio();
            for (int n = 0; n < 32; n++) assertEquals(d(n, 1), g.memory.readLong(ArmGuest.OUTPUT + 8L * n), "d" + n);
            assertEquals(FPSCR_OUT, Integer.toUnsignedLong(g.memory.readInt(ArmGuest.OUTPUT + 256)));
        }
    }
}
