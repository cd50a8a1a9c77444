package dev.kvm4j.arm.run;

import dev.kvm4j.arm.VcpuFeature;
import dev.kvm4j.arm.psci.PowerEvent;
import dev.kvm4j.arm.regs.CoreRegister;
import dev.kvm4j.kvm.testing.RealKvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.kvm4j.arm.run.RecordingDevice.Access.read;
import static dev.kvm4j.arm.run.RecordingDevice.Access.write;
import static dev.kvm4j.arm.run.RunGuest.*;
import static org.junit.jupiter.api.Assertions.*;

/** Guest loads and stores of every size reach the device at their range offset, and come back to the guest zero-extended. */
@RealKvm(arch = "aarch64")
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class MmioAccessKvmTest {
    /** Every load gets this; the guest must see only its low bytes. */
    private static final long READ = 0xfedc_ba98_7654_3210L;
    /** What the guest stores, in every size. */
    private static final long STORED = 0x1122_3344_5566_7788L;
    /** What the guest's destination registers hold before the loads, to show the loads clear the high bits. */
    private static final long GARBAGE = -1L;

    /** x0 = device base, x5 = value to store; loads go to x6..x9, which the PSCI call does not clobber (it zeroes x1..x3). */
    private static final int[] AARCH64_SIZES = {
            0x39400006, // ldrb w6, [x0]
            0x79401007, // ldrh w7, [x0, #8]
            0xb9401008, // ldr  w8, [x0, #16]
            0xf9400c09, // ldr  x9, [x0, #24]
            0x39008005, // strb w5, [x0, #32]
            0x79005005, // strh w5, [x0, #40]
            0xb9003005, // str  w5, [x0, #48]
            0xf9001c05, // str  x5, [x0, #56]
            0xd2800100, // movz x0, #0x8
            0xf2b08000, // movk x0, #0x8400, lsl #16   (PSCI SYSTEM_OFF)
            0xd4000002, // hvc  #0
            0x14000000, // b    .
    };

    /** A32, r0 = device base, r5 = value to store, loads to r6..r8; AArch32 has no single-register 8-byte access. */
    private static final int[] AARCH32_SIZES = {
            0xe5d06000, // ldrb r6, [r0]
            0xe1d070b8, // ldrh r7, [r0, #8]
            0xe5908010, // ldr  r8, [r0, #16]
            0xe5c05020, // strb r5, [r0, #32]
            0xe1c052b8, // strh r5, [r0, #40]
            0xe5805030, // str  r5, [r0, #48]
            0xe3000008, // movw r0, #8
            0xe3480400, // movt r0, #0x8400            (PSCI SYSTEM_OFF)
            0xe1400070, // hvc  #0
            0xeafffffe, // b    .
    };

    /** x2 = device base: a store, and so an MMIO exit, per iteration. */
    private static final int[] MMIO_LOOP = {
            0xf9000041, // 1: str x1, [x2]
            0x17ffffff, //    b 1b
    };

    @Test
    void aarch64LoadsAndStoresOfEverySizeReachTheDeviceAndLoadsComeBackZeroExtended() throws Exception {
        RecordingDevice device = new RecordingDevice(READ);
        try (RunGuest g = RunGuest.create(1)) {
            g.load(CODE, AARCH64_SIZES).device(DEVICE, device).x(0, DEVICE).x(5, STORED);
            for (int n = 6; n <= 9; n++) g.x(n, GARBAGE);

            assertEquals(new RunEnd.Power(0, new PowerEvent.PowerOff()), g.run(UnmappedPolicy.STOP));

            assertEquals(List.of(read(0, 1), read(8, 2), read(16, 4), read(24, 8),
                    write(32, 1, 0x88), write(40, 2, 0x7788), write(48, 4, 0x5566_7788L), write(56, 8, STORED)), device.accesses());
            assertEquals(0x10L, g.x(6), "ldrb");
            assertEquals(0x3210L, g.x(7), "ldrh");
            assertEquals(0x7654_3210L, g.x(8), "ldr w");
            assertEquals(READ, g.x(9), "ldr x");
        }
    }

    @Test
    void aarch32LoadsAndStoresOfEverySizeReachTheDeviceAndLoadsComeBackZeroExtended() throws Exception {
        RecordingDevice device = new RecordingDevice(READ);
        try (RunGuest g = RunGuest.create(1, VcpuFeature.EL1_32BIT)) {
            g.load(CODE, AARCH32_SIZES).device(DEVICE, device).x(0, DEVICE).x(5, STORED & 0xffff_ffffL);
            for (int n = 6; n <= 8; n++) g.x(n, 0xffff_ffffL);

            assertEquals(new RunEnd.Power(0, new PowerEvent.PowerOff()), g.run(UnmappedPolicy.STOP));

            assertEquals(List.of(read(0, 1), read(8, 2), read(16, 4),
                    write(32, 1, 0x88), write(40, 2, 0x7788), write(48, 4, 0x5566_7788L)), device.accesses());
            // r6..r8 are the low halves of x6..x8.
            assertEquals(0x10L, g.x(6) & 0xffff_ffffL, "ldrb");
            assertEquals(0x3210L, g.x(7) & 0xffff_ffffL, "ldrh");
            assertEquals(0x7654_3210L, g.x(8) & 0xffff_ffffL, "ldr");
        }
    }

}
