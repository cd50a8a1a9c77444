package dev.kvm4j.arm.run;

import dev.kvm4j.arm.psci.PowerEvent;
import dev.kvm4j.kvm.testing.RealKvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.kvm4j.arm.run.RecordingDevice.Access.write;
import static dev.kvm4j.arm.run.RunGuest.*;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** A guest that touches an address nothing claims gets what the {@link UnmappedPolicy} says. */
@RealKvm(arch = "aarch64")
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class UnmappedPolicyKvmTest {
    /** x0 = unmapped address. */
    private static final int[] LOAD = {
            0xb9400001, // ldr w1, [x0]
            0x14000000, // b   .
    };

    /** x0 = unmapped address, x5 = value. */
    private static final int[] STORE = {
            0x79000405, // strh w5, [x0, #2]
            0x14000000, // b    .
    };

    /**
     * x0 = unmapped address, x9 = report device. Points VBAR_EL1 at {@link #VECTORS}, then loads from the
     * unmapped address; the synchronous exception handler reports ESR_EL1, FAR_EL1 and ELR_EL1 and powers off.
     */
    private static final int[] ABORTING_LOAD = {
            0x10004008, // adr  x8, CODE + 0x800       (VECTORS)
            0xd518c008, // msr  vbar_el1, x8
            0xd5033fdf, // isb
            0xb9400001, // ldr  w1, [x0]               the access that aborts, at CODE + 0xc
            0x14000000, // b    .                      never reached: the handler powers off
    };
    private static final long VECTORS = CODE + 0x800;
    private static final long FAULTING_PC = CODE + 0xc;

    /** At VBAR + 0x200: synchronous exception from the current EL using SP_ELx (EL1h, where the guest runs). */
    private static final int[] SYNC_HANDLER = {
            0xd538520a, // mrs  x10, esr_el1
            0xf900012a, // str  x10, [x9]
            0xd538600a, // mrs  x10, far_el1
            0xf900052a, // str  x10, [x9, #8]
            0xd538402a, // mrs  x10, elr_el1
            0xf900092a, // str  x10, [x9, #16]
            0xd2800100, // movz x0, #0x8
            0xf2b08000, // movk x0, #0x8400, lsl #16   (SYSTEM_OFF)
            0xd4000002, // hvc  #0
            0x14000000, // b    .
    };

    /** x0 = unmapped address, x5 = value, x9 = report device: what the load read is reported. */
    private static final int[] LOAD_STORE_REPORT = {
            0xf9400001, // ldr  x1, [x0]
            0xf9000405, // str  x5, [x0, #8]
            0xf9000121, // str  x1, [x9]
            0xd2800100, // movz x0, #0x8
            0xf2b08000, // movk x0, #0x8400, lsl #16   (SYSTEM_OFF)
            0xd4000002, // hvc  #0
            0x14000000, // b    .
    };

    // ESR_ELx fields (Arm ARM D17.2.37): exception class, and the data fault status code.
    private static final int EC_DATA_ABORT_SAME_EL = 0x25;
    private static final int DFSC_SYNC_EXTERNAL_ABORT = 0x10;

    @Test
    void stopEndsTheMachineNamingTheAddressSizeAndGuestPcOfALoad() throws Exception {
        try (RunGuest g = RunGuest.create(1)) {
            g.load(CODE, LOAD).x(0, UNMAPPED);
            RunEnd end = g.run(UnmappedPolicy.STOP);
            assertEquals(new RunEnd.UnmappedAccess(0, CODE, UNMAPPED, 4, false, 0), end);
            assertEquals("vCPU 0: 4-byte read of unmapped address 0x20000000 at guest PC 0x40000000", end.message());
        }
    }

    @Test
    void stopNamesTheValueOfAStore() throws Exception {
        try (RunGuest g = RunGuest.create(1)) {
            g.load(CODE, STORE).x(0, UNMAPPED).x(5, 0xabcd_beefL);
            RunEnd end = g.run(UnmappedPolicy.STOP);
            assertEquals(new RunEnd.UnmappedAccess(0, CODE, UNMAPPED + 2, 2, true, 0xbeef), end);
            assertTrue(end.message().contains("2-byte write of 0xbeef to unmapped address 0x20000002 at guest PC 0x40000000"), end.message());
        }
    }

    @Test
    void externalAbortRunsTheGuestsSynchronousExceptionHandler() throws Exception {
        RecordingDevice report = new RecordingDevice(0);
        try (RunGuest g = RunGuest.create(1)) {
            assumeTrue(ExternalAbort.isSupported(g.vm), "KVM_CAP_ARM_INJECT_EXT_DABT = 0 on this kernel");
            g.load(CODE, ABORTING_LOAD).load(VECTORS + 0x200, SYNC_HANDLER).device(DEVICE, report).x(0, UNMAPPED).x(9, DEVICE);

            RunEnd end = g.run(UnmappedPolicy.EXTERNAL_ABORT);

            assertEquals(new RunEnd.Power(0, new PowerEvent.PowerOff()), end);
            List<RecordingDevice.Access> reported = report.accesses();
            assertEquals(3, reported.size(), reported::toString);
            long esr = reported.get(0).value();
            assertEquals(EC_DATA_ABORT_SAME_EL, esr >>> 26, () -> String.format("ESR_EL1 0x%x: not a data abort from EL1", esr));
            assertEquals(DFSC_SYNC_EXTERNAL_ABORT, esr & 0x3f, () -> String.format("ESR_EL1 0x%x: not a synchronous external abort", esr));
            assertEquals(write(8, 8, UNMAPPED), reported.get(1), "FAR_EL1 holds the unmapped address");
            assertEquals(write(16, 8, FAULTING_PC), reported.get(2), "ELR_EL1 is the load itself, not retired");
        }
    }

    @Test
    void readZeroWriteIgnoreGivesTheLoadZeroAndDropsTheStore() throws Exception {
        RecordingDevice report = new RecordingDevice(0);
        try (RunGuest g = RunGuest.create(1)) {
            g.load(CODE, LOAD_STORE_REPORT).device(DEVICE, report).x(0, UNMAPPED).x(1, -1L).x(5, 0x5555L).x(9, DEVICE);

            RunEnd end = g.run(UnmappedPolicy.READ_ZERO_WRITE_IGNORE);

            assertEquals(new RunEnd.Power(0, new PowerEvent.PowerOff()), end);
            assertEquals(List.of(write(0, 8, 0)), report.accesses(), "the guest read zero and went on");
            assertEquals(0, g.x(1));
        }
    }
}
