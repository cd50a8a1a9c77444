package dev.kvm4j.kvm;

import dev.kvm4j.kvm.testing.Arm64TestGuest;
import dev.kvm4j.kvm.testing.RealKvm;
import org.junit.jupiter.api.Test;

import java.util.BitSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.kvm4j.kvm.testing.Arm64TestGuest.*;
import static org.junit.jupiter.api.Assertions.*;

/** Guest code on real KVM through the arch-neutral layer (the guest is arm64; the layer is not). */
@RealKvm(arch = "aarch64")
class GuestRunKvmTest {

    private static VcpuExit.Mmio expectMmio(VcpuExit exit) {
        return assertInstanceOf(VcpuExit.Mmio.class, exit, () -> "expected an MMIO exit, got " + exit);
    }

    @Test
    void guestWritesRamThatTheVmmReadsBack() {
        try (var g = new Arm64TestGuest(STORE_THEN_MMIO)) {
            g.setX(0, RAM_BASE + 0x1000).setX(1, 0x1122_3344_5566_7788L).setX(2, MMIO_ADDR).setX(3, 0);
            expectMmio(g.vcpu.run());
            assertEquals(0x1122_3344_5566_7788L, g.ram.readLong(RAM_BASE + 0x1000));
        }
    }

    @Test
    void mmioWriteExitCarriesAddressDataAndLength() {
        try (var g = new Arm64TestGuest(STORE_THEN_MMIO)) {
            g.setX(0, RAM_BASE + 0x1000).setX(1, 0).setX(2, MMIO_ADDR + 0x18).setX(3, 0xcafe_f00d_dead_beefL);
            var mmio = expectMmio(g.vcpu.run());
            assertTrue(mmio.isWrite());
            assertEquals(MMIO_ADDR + 0x18, mmio.address());
            assertEquals(8, mmio.length());
            assertEquals(0xcafe_f00d_dead_beefL, mmio.data());
        }
    }

    @Test
    void mmioReadExitDeliversTheVmmsDataToTheGuest() {
        try (var g = new Arm64TestGuest(MMIO_READ_THEN_STORE)) {
            g.setX(0, RAM_BASE + 0x2000).setX(2, MMIO_ADDR).setX(3, 0);
            var read = expectMmio(g.vcpu.run());
            assertFalse(read.isWrite());
            assertEquals(MMIO_ADDR, read.address());
            assertEquals(8, read.length());
            read.setData(0x0123_4567_89ab_cdefL);
            var done = expectMmio(g.vcpu.run());
            assertTrue(done.isWrite());
            assertEquals(0x0123_4567_89ab_cdefL, g.ram.readLong(RAM_BASE + 0x2000));
        }
    }

    @Test
    void dirtyLogReportsExactlyThePagesWritten() {
        try (var g = new Arm64TestGuest(DIRTY_EVERY_OTHER_PAGE, MemoryFlag.LOG_DIRTY_PAGES)) {
            g.vm.dirtyLog(0); // start from a clean log: loading the code dirtied nothing, but be sure
            // pages 0x10, 0x12, 0x14, 0x16 of the slot (every other page, four times)
            g.setX(0, RAM_BASE + 0x10_000).setX(1, 7).setX(2, MMIO_ADDR).setX(3, 0).setX(4, 4);
            expectMmio(g.vcpu.run());
            BitSet dirty = g.vm.dirtyLog(0);
            BitSet expected = new BitSet();
            for (int p : new int[] {0x10, 0x12, 0x14, 0x16}) expected.set(p);
            assertEquals(expected, dirty);
            assertTrue(g.vm.dirtyLog(0).isEmpty(), "the log is cleared once read");
        }
    }

    @Test
    void readOnlySlotTurnsGuestWritesIntoMmioExits() {
        try (var g = new Arm64TestGuest(STORE_THEN_MMIO);
             GuestMemory rom = GuestMemory.allocate(0x5000_0000L, 0x1000)) {
            g.vm.addMemory(1, rom, MemoryFlag.READONLY);
            rom.writeLong(0x5000_0000L, 0x55);
            g.setX(0, 0x5000_0000L).setX(1, 0xaa).setX(2, MMIO_ADDR).setX(3, 0);
            var mmio = expectMmio(g.vcpu.run());
            assertEquals(0x5000_0000L, mmio.address(), "the write to the read-only slot exits");
            assertTrue(mmio.isWrite());
            assertEquals(0xaa, mmio.data());
            assertEquals(0x55, rom.readLong(0x5000_0000L), "memory is unchanged");
        }
    }

    @Test
    void kickFromAnotherThreadEndsARunThatSpinsForever() throws Exception {
        try (var g = new Arm64TestGuest(SPIN)) {
            var exit = CompletableFuture.supplyAsync(() -> g.vcpu.run().toString());
            // The guest spins until kicked; kick until the run has returned, whichever side is first.
            while (!exit.isDone()) {
                g.vcpu.kick();
                Thread.sleep(20);
            }
            assertEquals("INTR", exit.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void kickBeforeRunEndsTheNextRunAndOnlyThatOne() {
        try (var g = new Arm64TestGuest(STORE_THEN_MMIO)) {
            g.setX(0, RAM_BASE + 0x1000).setX(1, 1).setX(2, MMIO_ADDR).setX(3, 0);
            g.vcpu.run(); // the first run makes this thread the vCPU's thread
            g.vcpu.setOneReg(PC, RAM_BASE);
            g.vcpu.kick();
            assertInstanceOf(VcpuExit.Interrupted.class, g.vcpu.run());
            expectMmio(g.vcpu.run());
        }
    }

    @Test
    void aThreadKickedAfterItsLastRunEndsWithoutHarmToTheJvm() throws Exception {
        try (var g = new Arm64TestGuest(SPIN)) {
            Thread vcpuThread = Thread.ofPlatform().start(() -> g.vcpu.run());
            while (vcpuThread.isAlive()) {
                g.vcpu.kick();
                vcpuThread.join(20);
            }
            // The thread has ended; a kick that was still in flight must have been harmless. A second
            // thread takes over the vCPU and runs it again, as a VMM does after a pause.
            g.vcpu.kick();
            var exit = CompletableFuture.supplyAsync(() -> g.vcpu.run().toString());
            assertEquals("INTR", exit.get(10, TimeUnit.SECONDS), "the pending kick ends the next run");
        }
    }

    @Test
    void registerListBeforeInitIsNotInitialisedAndAfterInitHasIds() {
        try (Kvm kvm = Kvm.open(); Vm vm = kvm.createVm(); Vcpu vcpu = vm.createVcpu(0)) {
            assertThrows(KvmException.NotInitialised.class, vcpu::registerList);
            Arm64TestGuest.init(vm, vcpu);
            long[] ids = vcpu.registerList();
            assertTrue(ids.length > 100, "arm64 lists hundreds of registers, got " + ids.length);
            assertTrue(java.util.Arrays.stream(ids).anyMatch(id -> id == PC));
        }
    }

    @Test
    void oneRegRoundTripsAndUnknownIdIsATypedError() {
        try (var g = new Arm64TestGuest(SPIN)) {
            g.vcpu.setOneReg(Arm64TestGuest.x(7), 0xfeed_face_0bad_f00dL);
            assertEquals(0xfeed_face_0bad_f00dL, g.vcpu.getOneReg(Arm64TestGuest.x(7)));
            long bogus = 0x6030_0000_0013_ffffL;
            KvmException e = assertThrows(KvmException.class, () -> g.vcpu.getOneReg(bogus));
            assertTrue(e.getMessage().contains("KVM_GET_ONE_REG"), e.getMessage());
        }
    }
}
