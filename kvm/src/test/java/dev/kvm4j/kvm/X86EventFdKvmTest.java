package dev.kvm4j.kvm;

import dev.kvm4j.kvm.abi.IoctlNumber;
import dev.kvm4j.kvm.abi.KvmIoctls;
import dev.kvm4j.kvm.testing.RealKvm;
import dev.kvm4j.kvm.testing.X86TestGuest;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.*;

/**
 * KVM_IOEVENTFD and KVM_IRQFD on this x86 host: a guest MMIO write to a registered address signals the
 * eventfd with no MMIO exit; a signalled irqfd raises its GSI in the in-kernel PIC.
 */
@RealKvm(arch = "amd64")
class X86EventFdKvmTest {
    /** The write goes to ds:0x50 with ds = 0x2000: guest physical 0x20050, outside the guest's 64 KiB of RAM. */
    private static final long NOTIFY = 0x20050;
    /** {@code mov ax,0x2000; mov ds,ax; mov dword [0x50],0; hlt; mov dword [0x50],1; hlt}. */
    private static final byte[] WRITE_0_HLT_WRITE_1_HLT = {
            (byte) 0xb8, 0x00, 0x20, (byte) 0x8e, (byte) 0xd8,
            0x66, (byte) 0xc7, 0x06, 0x50, 0x00, 0, 0, 0, 0, (byte) 0xf4,
            0x66, (byte) 0xc7, 0x06, 0x50, 0x00, 1, 0, 0, 0, (byte) 0xf4};

    // asm/kvm.h (x86): struct kvm_irqchip is chip_id, pad, then a 512-byte union; kvm_pic_state starts last_irr, irr.
    private static final long KVM_GET_IRQCHIP = IoctlNumber.iowr(KvmIoctls.KVMIO, 0x62, 520);
    private static final long PIC_IRR = 8 + 1;

    @Test
    void aGuestWriteToTheAddressSignalsTheEventFdWithoutAnMmioExit() {
        try (var g = new X86TestGuest(WRITE_0_HLT_WRITE_1_HLT); var e = EventFd.create(true);
             var io = g.vm.ioEventFd(e, NOTIFY, 4)) {
            assertInstanceOf(VcpuExit.Hlt.class, g.vcpu.run(), "the write stayed in the kernel: the next exit is the HLT");
            assertEquals(1, e.read(), "one write, one signal");
            assertInstanceOf(VcpuExit.Hlt.class, g.vcpu.run());
            assertEquals(1, e.read());
            assertEquals(NOTIFY, io.address());
        }
    }

    @Test
    void withADatamatchOnlyThatValueSignalsAndOthersStillExit() {
        try (var g = new X86TestGuest(WRITE_0_HLT_WRITE_1_HLT); var e = EventFd.create(true);
             var io = g.vm.ioEventFd(e, NOTIFY, 4, OptionalLong.of(1))) {
            var m = assertInstanceOf(VcpuExit.Mmio.class, g.vcpu.run(), "the value 0 does not match: an MMIO exit");
            assertEquals(NOTIFY, m.address());
            assertTrue(m.isWrite());
            assertEquals(0, e.read(), "nothing signalled for the unmatched write");
            assertInstanceOf(VcpuExit.Hlt.class, g.vcpu.run());
            assertInstanceOf(VcpuExit.Hlt.class, g.vcpu.run(), "the value 1 matched: no exit before the HLT");
            assertEquals(1, e.read());
        }
    }

    @Test
    void afterDeassignTheWriteExitsAsMmioAgain() {
        try (var g = new X86TestGuest(WRITE_0_HLT_WRITE_1_HLT); var e = EventFd.create(true)) {
            g.vm.ioEventFd(e, NOTIFY, 4).close();
            var m = assertInstanceOf(VcpuExit.Mmio.class, g.vcpu.run());
            assertEquals(NOTIFY, m.address());
            assertEquals(0, e.read());
        }
    }

    @Test
    void aSignalledIrqFdRaisesItsGsiInThePic() throws InterruptedException {
        int gsi = 4;
        try (var g = new X86TestGuest(X86TestGuest.HALT, true); var e = EventFd.create(true)) {
            assertEquals(0, picIrr(g.vm) & (1 << gsi), "IRQ 4 is not pending before");
            try (IrqFd irq = g.vm.irqFd(e, gsi)) {
                assertThrows(KvmException.class, () -> g.vm.irqFd(e, gsi), "the same eventfd twice is refused (EBUSY)");
                irq.trigger();
                // x86 injects a PIC/IOAPIC irqfd from a kernel work item: wait for it, failing after 30 s.
                long deadline = System.nanoTime() + 30_000_000_000L;
                while ((picIrr(g.vm) & (1 << gsi)) == 0) {
                    if (System.nanoTime() > deadline) fail("IRQ " + gsi + " never became pending in the PIC's IRR");
                    Thread.sleep(10);
                }
            }
            // Deassigned: the same eventfd and GSI can be assigned again.
            g.vm.irqFd(e, gsi).close();
        }
    }

    private static int picIrr(Vm vm) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment chip = a.allocate(520, 8); // chip_id 0: the master PIC
            vm.ioctl("KVM_GET_IRQCHIP", KVM_GET_IRQCHIP, chip);
            return Byte.toUnsignedInt(chip.get(ValueLayout.JAVA_BYTE, PIC_IRR));
        }
    }
}
