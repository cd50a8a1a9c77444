package dev.kvm4j.arm.aarch32;

import dev.kvm4j.arm.ArmGuest;
import dev.kvm4j.arm.VcpuFeature;
import dev.kvm4j.arm.regs.CpuState;
import dev.kvm4j.arm.regs.VcpuRegisters;
import dev.kvm4j.kvm.VcpuExit;
import dev.kvm4j.kvm.testing.RealKvm;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * (b) and (c): an AArch32 guest (A32 code, vCPU with EL1_32BIT) switches through svc, abt, und, irq, fiq and
 * sys with {@code cps}. One guest loads a distinct value into every banked r13/r14/SPSR and r8–r12 and
 * exits, and the test reads each by its AArch32 name; the other stores them to RAM after the VMM wrote each
 * by name. Skipped, with the reason, on hosts without AArch32 EL1.
 */
@RealKvm(arch = "aarch64")
class Aarch32BankedKvmTest {
    /** Word i of the guest's table (input at 0x40001000, output at 0x40002000) is the register TABLE[i]. */
    static final List<String> TABLE = List.of(
            "sp_svc", "lr_svc", "spsr_svc", "sp_abt", "lr_abt", "spsr_abt", "sp_und", "lr_und", "spsr_und",
            "sp_irq", "lr_irq", "spsr_irq", "sp_fiq", "lr_fiq", "spsr_fiq",
            "r8_fiq", "r9_fiq", "r10_fiq", "r11_fiq", "r12_fiq",
            "sp_usr", "lr_usr", "r8_usr", "r9_usr", "r10_usr", "r11_usr", "r12_usr");

    /** AArch32 reset state: SVC mode with A, I, F masked. */
    private static final long RESET_CPSR = 0x1d3;

    // Hand-assembled A32 (arm-linux-gnueabihf-as -march=armv8-a; objdump -d). The table offsets follow TABLE.
    private static final int[] LOAD_BANKED = {
            0xe3010000, //   0: movw r0, #0x1000
            0xe3440000, //   4: movt r0, #0x4000
            0xe590d000, //   8: ldr sp, [r0, #0]
            0xe590e004, //   c: ldr lr, [r0, #4]
            0xe5901008, //  10: ldr r1, [r0, #8]
            0xe16ff001, //  14: msr spsr_fsxc, r1
            0xf1020017, //  18: cps #0x17
            0xe590d00c, //  1c: ldr sp, [r0, #12]
            0xe590e010, //  20: ldr lr, [r0, #16]
            0xe5901014, //  24: ldr r1, [r0, #20]
            0xe16ff001, //  28: msr spsr_fsxc, r1
            0xf102001b, //  2c: cps #0x1b
            0xe590d018, //  30: ldr sp, [r0, #24]
            0xe590e01c, //  34: ldr lr, [r0, #28]
            0xe5901020, //  38: ldr r1, [r0, #32]
            0xe16ff001, //  3c: msr spsr_fsxc, r1
            0xf1020012, //  40: cps #0x12
            0xe590d024, //  44: ldr sp, [r0, #36]
            0xe590e028, //  48: ldr lr, [r0, #40]
            0xe590102c, //  4c: ldr r1, [r0, #44]
            0xe16ff001, //  50: msr spsr_fsxc, r1
            0xf1020011, //  54: cps #0x11
            0xe590d030, //  58: ldr sp, [r0, #48]
            0xe590e034, //  5c: ldr lr, [r0, #52]
            0xe5901038, //  60: ldr r1, [r0, #56]
            0xe16ff001, //  64: msr spsr_fsxc, r1
            0xe280103c, //  68: add r1, r0, #60
            0xe8911f00, //  6c: ldm r1, {r8-r12}
            0xf102001f, //  70: cps #0x1f
            0xe590d050, //  74: ldr sp, [r0, #80]
            0xe590e054, //  78: ldr lr, [r0, #84]
            0xe2801058, //  7c: add r1, r0, #88
            0xe8911f00, //  80: ldm r1, {r8-r12}
            0xf1020013, //  84: cps #0x13
            0xe3002000, //  88: movw r2, #0
            0xe3412000, //  8c: movt r2, #0x1000
            0xe5821000, //  90: str r1, [r2]
            0xeafffffe, //  94: b .
    };

    private static final int[] STORE_BANKED = {
            0xe3020000, //   0: movw r0, #0x2000
            0xe3440000, //   4: movt r0, #0x4000
            0xe580d050, //   8: str sp, [r0, #80]
            0xe580e054, //   c: str lr, [r0, #84]
            0xe2801058, //  10: add r1, r0, #88
            0xe8811f00, //  14: stm r1, {r8-r12}
            0xf1020013, //  18: cps #0x13
            0xe580d000, //  1c: str sp, [r0, #0]
            0xe580e004, //  20: str lr, [r0, #4]
            0xe14f1000, //  24: mrs r1, spsr
            0xe5801008, //  28: str r1, [r0, #8]
            0xf1020017, //  2c: cps #0x17
            0xe580d00c, //  30: str sp, [r0, #12]
            0xe580e010, //  34: str lr, [r0, #16]
            0xe14f1000, //  38: mrs r1, spsr
            0xe5801014, //  3c: str r1, [r0, #20]
            0xf102001b, //  40: cps #0x1b
            0xe580d018, //  44: str sp, [r0, #24]
            0xe580e01c, //  48: str lr, [r0, #28]
            0xe14f1000, //  4c: mrs r1, spsr
            0xe5801020, //  50: str r1, [r0, #32]
            0xf1020012, //  54: cps #0x12
            0xe580d024, //  58: str sp, [r0, #36]
            0xe580e028, //  5c: str lr, [r0, #40]
            0xe14f1000, //  60: mrs r1, spsr
            0xe580102c, //  64: str r1, [r0, #44]
            0xf1020011, //  68: cps #0x11
            0xe580d030, //  6c: str sp, [r0, #48]
            0xe580e034, //  70: str lr, [r0, #52]
            0xe14f1000, //  74: mrs r1, spsr
            0xe5801038, //  78: str r1, [r0, #56]
            0xe280103c, //  7c: add r1, r0, #60
            0xe8811f00, //  80: stm r1, {r8-r12}
            0xe3002000, //  84: movw r2, #0
            0xe3412000, //  88: movt r2, #0x1000
            0xe5821000, //  8c: str r1, [r2]
            0xeafffffe, //  90: b .
    };

    /**
     * A distinct value per register. SPSRs get real PSR shapes (one flag, A I F masked, a valid mode), so no
     * RES0 bit the CPU might drop is set.
     */
    static long value(int i, int salt) {
        String name = TABLE.get(i);
        if (name.startsWith("spsr")) {
            long[] flagsAndMode = {0x80000000L | 0x10, 0x40000000L | 0x11, 0x20000000L | 0x12, 0x10000000L | 0x13, 0x08000000L | 0x1f};
            return flagsAndMode[(i / 3 + salt) % 5] | 0x1c0 | (salt == 0 ? 0 : 0x000f0000L); // GE[3:0] in the second run
        }
        return 0xa0000000L + ((long) salt << 24) + ((long) i << 12) + 0x10 * i + salt;
    }

    @Test
    void guestWritesEveryBankedRegisterAndTheVmmReadsEachByName() {
        try (ArmGuest g = ArmGuest.create(VcpuFeature.PSCI_0_2, VcpuFeature.EL1_32BIT)) {
            assertEquals(RESET_CPSR, Aarch32View.read(g.core(), "cpsr"), "AArch32 vCPUs start in SVC mode");
            for (int i = 0; i < TABLE.size(); i++) g.memory.writeInt(ArmGuest.INPUT + 4L * i, (int) value(i, 0));
            g.load(LOAD_BANKED);

            VcpuExit.Mmio exit = g.runToMmio();
            assertEquals(ArmGuest.MMIO, exit.address());
            assertTrue(exit.isWrite());

            CpuState s = g.core();
            for (int i = 0; i < TABLE.size(); i++) {
                assertEquals(value(i, 0), Aarch32View.read(s, TABLE.get(i)), TABLE.get(i));
            }
            assertEquals(Aarch32Mode.SVC, Aarch32View.mode(s));
            assertEquals(value(TABLE.indexOf("sp_svc"), 0), Aarch32View.read(s, "r13"), "r13 in SVC mode is sp_svc");
            assertEquals(value(TABLE.indexOf("r10_usr"), 0), Aarch32View.read(s, "r10"), "r10 in SVC mode is r10_usr");
            CpuState asFiq = Aarch32View.withMode(s, Aarch32Mode.FIQ);
            assertEquals(value(TABLE.indexOf("r10_fiq"), 0), Aarch32View.read(asFiq, "r10"));
            assertEquals(value(TABLE.indexOf("spsr_fiq"), 0), Aarch32View.read(asFiq, "spsr"));
            assertEquals(ArmGuest.CODE + 4L * (LOAD_BANKED.length - 2), Aarch32View.read(s, "pc"), "stopped at the MMIO store");
        }
    }

    /**
     * The guest starts in SYS mode and stores the usr bank first, then enters each mode with {@code cps}:
     * QEMU's TCG (the rig's CPU) does not reload the current mode's SPSR when it returns from EL2 into
     * AArch32, so the SPSR of the mode the guest is entered in would read stale there. SYS has no SPSR.
     */
    @Test
    void vmmWritesEveryBankedRegisterByNameAndTheGuestStoresThem() {
        try (ArmGuest g = ArmGuest.create(VcpuFeature.PSCI_0_2, VcpuFeature.EL1_32BIT)) {
            CpuState before = g.core();
            CpuState s = before;
            for (int i = 0; i < TABLE.size(); i++) s = Aarch32View.write(s, TABLE.get(i), value(i, 1));
            s = Aarch32View.withMode(s, Aarch32Mode.SYS);
            VcpuRegisters.writeChanges(g.vcpu, before, s);
            g.load(STORE_BANKED);

            g.runToMmio();
            for (int i = 0; i < TABLE.size(); i++) {
                long stored = Integer.toUnsignedLong(g.memory.readInt(ArmGuest.OUTPUT + 4L * i));
                assertEquals(value(i, 1), stored, TABLE.get(i));
            }
        }
    }
}
