package dev.kvm4j.bench;

import dev.kvm4j.kvm.GuestMemory;
import dev.kvm4j.kvm.Kvm;
import dev.kvm4j.kvm.Vcpu;
import dev.kvm4j.kvm.Vm;
import dev.kvm4j.kvm.abi.IoctlNumber;
import dev.kvm4j.kvm.abi.KvmIoctls;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A real-mode x86 guest that exits on every loop iteration, by port I/O or by an MMIO store: the same
 * bytes, RAM slot and registers as kvmbench.c's x86 guest. Real mode needs no page tables or GDT; only
 * cs's base is moved from the reset vector's 0xffff0000 to 0.
 */
final class X86ExitGuest implements AutoCloseable {
    enum Kind {
        /** {@code 1: out dx,al; jmp 1b} */
        PIO(new byte[] {(byte) 0xee, (byte) 0xeb, (byte) 0xfd}),
        /** {@code 1: mov [bx],al; jmp 1b}: KVM's instruction emulator decodes the store, then exits. */
        MMIO(new byte[] {(byte) 0x88, 0x07, (byte) 0xeb, (byte) 0xfc});

        final byte[] code;

        Kind(byte[] code) { this.code = code; }
    }

    static final long CODE = 0x1000, RAM_SIZE = 0x8000, MMIO_ADDR = 0xf000;
    static final int PIO_PORT = 0x10;

    // asm/kvm.h (x86): struct kvm_regs is 18 u64 (rax, rbx, rcx, rdx, …, rip, rflags); kvm_sregs is 312 bytes, cs first.
    private static final long REGS_SIZE = 144, SREGS_SIZE = 312;
    private static final long KVM_SET_REGS = IoctlNumber.iow(KvmIoctls.KVMIO, 0x82, REGS_SIZE);
    private static final long KVM_GET_SREGS = IoctlNumber.ior(KvmIoctls.KVMIO, 0x83, SREGS_SIZE);
    private static final long KVM_SET_SREGS = IoctlNumber.iow(KvmIoctls.KVMIO, 0x84, SREGS_SIZE);

    final Kvm kvm;
    final Vm vm;
    final GuestMemory ram;
    final Vcpu vcpu;

    X86ExitGuest(Kind kind) {
        kvm = Kvm.open();
        vm = kvm.createVm();
        ram = GuestMemory.allocate(0, RAM_SIZE);
        ram.write(CODE, kind.code);
        vm.addMemory(0, ram);
        vcpu = vm.createVcpu(0);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment sregs = a.allocate(SREGS_SIZE, 8);
            vcpu.ioctl("KVM_GET_SREGS", KVM_GET_SREGS, sregs);
            sregs.set(ValueLayout.JAVA_LONG, 0, 0L);          // cs.base
            sregs.set(ValueLayout.JAVA_SHORT, 12, (short) 0); // cs.selector
            vcpu.ioctl("KVM_SET_SREGS", KVM_SET_SREGS, sregs);
            MemorySegment regs = a.allocate(REGS_SIZE, 8);
            regs.set(ValueLayout.JAVA_LONG, 0, 0x42);         // rax: the byte stored
            regs.set(ValueLayout.JAVA_LONG, 8, MMIO_ADDR);    // rbx
            regs.set(ValueLayout.JAVA_LONG, 24, PIO_PORT);    // rdx
            regs.set(ValueLayout.JAVA_LONG, 16 * 8, CODE);    // rip
            regs.set(ValueLayout.JAVA_LONG, 17 * 8, 2);       // rflags: bit 1 is reserved-one
            vcpu.ioctl("KVM_SET_REGS", KVM_SET_REGS, regs);
        }
    }

    @Override
    public void close() {
        vcpu.close();
        vm.close();
        ram.close();
        kvm.close();
    }
}
