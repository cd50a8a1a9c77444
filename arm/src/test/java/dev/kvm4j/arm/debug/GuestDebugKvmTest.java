package dev.kvm4j.arm.debug;

import dev.kvm4j.kvm.VcpuExit;
import dev.kvm4j.kvm.testing.RealKvm;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import static dev.kvm4j.arm.debug.DebugGuest.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * KVM_SET_GUEST_DEBUG on a bare-metal AArch64 guest ({@link DebugGuest}): each kind of debug exit stops at the
 * right PC, with the right syndrome decoded, and the guest carries on correctly afterwards.
 */
@RealKvm(arch = "aarch64")
class GuestDebugKvmTest {

    @Test
    void hardwareBreakpointStopsBeforeItsInstructionAndOneStepRunsExactlyThatInstruction() {
        try (DebugGuest g = new DebugGuest()) {
            requireSlots(g, 1, 0);
            assertTrue(g.hardware.insertBreakpoint(ADD_2, InstructionSet.A64).isPresent());
            g.debug(false);
            DebugExit hit = g.runToDebugExit();
            assertEquals(new DebugReason.HardwareBreakpoint(ADD_2), hit.reason(), "exit " + hit);
            assertEquals(2, g.x(1), "mov #1 and add #1 ran, add #2 did not");

            // As gdb does: the breakpoint at PC comes out for the step, or the step would hit it again.
            g.hardware.removeBreakpoint(ADD_2);
            g.debug(true);
            DebugExit step = g.runToDebugExit();
            assertEquals(new DebugReason.SingleStep(ADD_3), step.reason(), "exit " + step);
            assertEquals(4, g.x(1), "exactly add #2 ran");
            DebugExit step2 = g.runToDebugExit();
            assertEquals(new DebugReason.SingleStep(STORE), step2.reason());
            assertEquals(7, g.x(1));
        }
    }

    @Test
    void softwareBreakpointIsHitAndSteppingOverItRunsTheOriginalInstruction() {
        try (DebugGuest g = new DebugGuest()) {
            long pa = ADD_3; // the MMU is off: VA = PA
            assertTrue(g.breakpoints.insert(ADD_3, pa, InstructionSet.A64).isEmpty());
            assertEquals(0xd4200000, g.ram.readInt(ADD_3), "BRK #0 is in guest memory");
            g.debug(false);
            DebugExit hit = g.runToDebugExit();
            assertEquals(new DebugReason.SoftwareBreakpoint(ADD_3, InstructionSet.A64), hit.reason(), "exit " + hit);
            assertEquals(Esr.EC_BRK64, Esr.ec(hit.esr()));
            assertEquals(4, g.x(1));

            assertTrue(g.breakpoints.suspend(ADD_3));
            assertEquals(0x91000c21, g.ram.readInt(ADD_3), "the original add is back for the step");
            g.debug(true);
            assertEquals(new DebugReason.SingleStep(STORE), g.runToDebugExit().reason());
            assertEquals(7, g.x(1), "the original add #3 ran, not the BRK");
            g.breakpoints.resume(ADD_3);
            assertEquals(0xd4200000, g.ram.readInt(ADD_3), "the breakpoint is back after the step");

            assertTrue(g.breakpoints.remove(ADD_3).isEmpty());
            assertEquals(0x91000c21, g.ram.readInt(ADD_3), "removing restores the original bytes");
        }
    }

    @Test
    void writeWatchpointReportsTheDataAddressThenAReadWatchpointTheLoad() {
        try (DebugGuest g = new DebugGuest()) {
            requireSlots(g, 0, 1);
            assertTrue(g.hardware.insertWatchpoint(DATA, 8, WatchKind.WRITE).isPresent());
            g.debug(false);
            DebugExit hit = g.runToDebugExit();
            var w = assertInstanceOf(DebugReason.Watchpoint.class, hit.reason(), "exit " + hit);
            assertEquals(STORE, w.pc(), "the store has not completed");
            assertEquals(DATA, w.far(), "FAR is the watched address");
            assertTrue(w.write());
            assertEquals(DATA, g.hardware.watchpointAt(w.far()).orElseThrow().address());

            // Step over the store with the watchpoint out (gdb's way with non-continuable watchpoints).
            g.hardware.removeWatchpoint(DATA, 8, WatchKind.WRITE);
            g.debug(true);
            assertEquals(new DebugReason.SingleStep(LOAD), g.runToDebugExit().reason());
            assertEquals(7, g.ram.readLong(DATA), "the store happened once stepped");

            assertTrue(g.hardware.insertWatchpoint(DATA, 8, WatchKind.READ).isPresent());
            g.debug(false);
            var r = assertInstanceOf(DebugReason.Watchpoint.class, g.runToDebugExit().reason());
            assertEquals(LOAD, r.pc());
            assertEquals(DATA, r.far());
            assertTrue(!r.write(), "a load is reported as a read");
        }
    }

    @Test
    void theGuestsOwnBrkIsNotOursAndIsDeliveredToItsVectorWithItsSyndrome() {
        try (DebugGuest g = new DebugGuest()) {
            g.debug(false); // USE_SW_BP: every BRK traps to us, ours or not
            DebugExit hit = g.runToDebugExit();
            var own = assertInstanceOf(DebugReason.GuestBreak.class, hit.reason(), "exit " + hit);
            assertEquals(GUEST_BRK, own.pc());
            assertEquals(0x77, own.comment());

            assertEquals(ExceptionInjector.Result.INJECTED, ExceptionInjector.injectSynchronous(g.vcpu, hit.esr()));
            VcpuExit.Mmio m = g.runToMmio();
            assertEquals(MMIO, m.address());
            assertEquals(Esr.EC_BRK64, Esr.ec(m.data()), String.format("ESR_EL1 0x%x", m.data()));
            assertEquals(0x77, Esr.comment(m.data()));
            assertEquals(GUEST_BRK, g.x(6), "ELR_EL1 is the BRK");
        }
    }

    private static void requireSlots(DebugGuest g, int breakpoints, int watchpoints) {
        Assumptions.assumeTrue(g.hardware.breakpointSlots() >= breakpoints && g.hardware.watchpointSlots() >= watchpoints,
                "the CPU has " + g.hardware.breakpointSlots() + " breakpoint and " + g.hardware.watchpointSlots() + " watchpoint registers");
    }
}
