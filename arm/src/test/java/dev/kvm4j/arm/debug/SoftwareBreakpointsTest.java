package dev.kvm4j.arm.debug;

import dev.kvm4j.kvm.GuestMemory;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SoftwareBreakpointsTest {
    private static final long RAM = 0x4000_0000L;

    @Test
    void eachInstructionSetPatchesItsBreakpointAndRemovalRestoresTheBytes() {
        try (GuestMemory ram = GuestMemory.allocate(RAM, 0x1000)) {
            ram.writeInts(RAM, 0x91000421, 0xe2811001, 0x4770_3101);
            SoftwareBreakpoints t = new SoftwareBreakpoints(PhysicalMemory.of(ram));
            // virtual addresses differ from physical ones, as with the MMU on
            assertEquals(Optional.empty(), t.insert(0xffff_0000_0000_0000L, RAM, InstructionSet.A64));
            assertEquals(Optional.empty(), t.insert(0xc000_0004L, RAM + 4, InstructionSet.A32));
            assertEquals(Optional.empty(), t.insert(0xc000_000aL, RAM + 10, InstructionSet.T32));
            assertEquals(0xd4200000, ram.readInt(RAM));
            assertEquals(0xe1200070, ram.readInt(RAM + 4));
            assertEquals(0xbe00_3101, ram.readInt(RAM + 8), "only the Thumb halfword changed");

            assertEquals(Optional.empty(), t.remove(0xffff_0000_0000_0000L));
            assertEquals(Optional.empty(), t.remove(0xc000_0004L));
            assertEquals(Optional.empty(), t.remove(0xc000_000aL));
            assertArrayEquals(new int[]{0x91000421, 0xe2811001, 0x4770_3101}, new int[]{ram.readInt(RAM), ram.readInt(RAM + 4), ram.readInt(RAM + 8)});
            assertEquals(Optional.of(SoftwareBreakpoints.Failure.NOT_INSERTED), t.remove(0xc000_0004L));
        }
    }

    @Test
    void insertingTwiceKeepsTheGuestsBytesAndSuspendResumeStepsOver() {
        try (GuestMemory ram = GuestMemory.allocate(RAM, 0x1000)) {
            ram.writeInts(RAM, 0x91000421);
            SoftwareBreakpoints t = new SoftwareBreakpoints(PhysicalMemory.of(ram));
            t.insert(RAM, RAM, InstructionSet.A64);
            t.insert(RAM, RAM, InstructionSet.A64);
            assertTrue(t.suspend(RAM));
            assertEquals(0x91000421, ram.readInt(RAM));
            assertFalse(t.contains(RAM), "a suspended breakpoint is not hit");
            t.resume(RAM);
            assertEquals(0xd4200000, ram.readInt(RAM));
            t.remove(RAM);
            assertEquals(0x91000421, ram.readInt(RAM), "not the BRK saved by the second insert");
        }
    }

    @Test
    void outsideRamAndOverwrittenBreakpointsAreAnswersNotExceptions() {
        try (GuestMemory ram = GuestMemory.allocate(RAM, 0x1000)) {
            SoftwareBreakpoints t = new SoftwareBreakpoints(PhysicalMemory.of(ram));
            assertEquals(Optional.of(SoftwareBreakpoints.Failure.NOT_IN_RAM), t.insert(0, 0x1000, InstructionSet.A64));
            assertEquals(Optional.of(SoftwareBreakpoints.Failure.NOT_IN_RAM), t.insert(0, RAM + 0xffe, InstructionSet.A64), "straddles the end");
            t.insert(RAM, RAM, InstructionSet.A64);
            ram.writeInts(RAM, 0x12345678); // the guest loaded new code there
            assertEquals(Optional.of(SoftwareBreakpoints.Failure.CHANGED_UNDER_US), t.remove(RAM));
            assertEquals(0x12345678, ram.readInt(RAM), "the guest's new bytes win");
        }
    }
}
