package dev.kvm4j.kvm.testing;

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
 * A tiny real-mode x86 guest (code at 0x1000, cs base 0) for the exits only x86 has: port I/O and HLT.
 * Test-only, like {@link Arm64TestGuest}.
 */
public final class X86TestGuest implements AutoCloseable {
    public static final long CODE = 0x1000;
    /** {@code mov dx,0x3f8; add al,bl; add al,'0'; out dx,al; in al,dx; hlt} with al=2, bl=3. */
    public static final byte[] OUT_IN_HLT = {(byte) 0xba, (byte) 0xf8, 0x03, 0x00, (byte) 0xd8, 0x04, '0', (byte) 0xee, (byte) 0xec, (byte) 0xf4};
    /** {@code jmp $}: stays in KVM_RUN until kicked. */
    public static final byte[] SPIN = {(byte) 0xeb, (byte) 0xfe};
    /** {@code cli; 1: hlt; jmp 1b}: with the in-kernel irqchip, waits in KVM_RUN (x86's WFI) until kicked. */
    public static final byte[] HALT = {(byte) 0xfa, (byte) 0xf4, (byte) 0xeb, (byte) 0xfd};
    private static final long KVM_CREATE_IRQCHIP = IoctlNumber.io(KvmIoctls.KVMIO, 0x60);

    // asm/kvm.h (x86): struct kvm_regs is 18 u64 (rax..r15, rip, rflags); struct kvm_sregs is 312 bytes, cs first.
    private static final long REGS_SIZE = 144, SREGS_SIZE = 312;
    private static final long KVM_SET_REGS = IoctlNumber.iow(KvmIoctls.KVMIO, 0x82, REGS_SIZE);
    private static final long KVM_GET_SREGS = IoctlNumber.ior(KvmIoctls.KVMIO, 0x83, SREGS_SIZE);
    private static final long KVM_SET_SREGS = IoctlNumber.iow(KvmIoctls.KVMIO, 0x84, SREGS_SIZE);

    public final Kvm kvm;
    public final Vm vm;
    public final GuestMemory ram;
    public final Vcpu vcpu;

    private final Closer closer = new Closer();

    public X86TestGuest(byte[] code) { this(code, false); }

    /** {@code irqchip}: with KVM's in-kernel interrupt controller, where HLT waits in KVM_RUN instead of exiting. */
    public X86TestGuest(byte[] code, boolean irqchip) {
        try {
            kvm = closer.add(Kvm.open());
            vm = closer.add(kvm.createVm());
            if (irqchip) vm.ioctl("KVM_CREATE_IRQCHIP", KVM_CREATE_IRQCHIP, 0L);
            ram = closer.add(GuestMemory.allocate(0, 0x10000));
            vm.addMemory(0, ram);
            ram.write(CODE, code);
            vcpu = closer.add(vm.createVcpu(0));
            setUp(vcpu);
        } catch (RuntimeException | Error e) {
            closer.closeAfter(e);
            throw e;
        }
    }

    private static void setUp(Vcpu vcpu) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment sregs = a.allocate(SREGS_SIZE, 8);
            vcpu.ioctl("KVM_GET_SREGS", KVM_GET_SREGS, sregs);
            sregs.set(ValueLayout.JAVA_LONG, 0, 0L);          // cs.base
            sregs.set(ValueLayout.JAVA_SHORT, 12, (short) 0); // cs.selector
            vcpu.ioctl("KVM_SET_SREGS", KVM_SET_SREGS, sregs);
            MemorySegment regs = a.allocate(REGS_SIZE, 8);
            regs.set(ValueLayout.JAVA_LONG, 0, 2);          // rax
            regs.set(ValueLayout.JAVA_LONG, 8, 3);          // rbx
            regs.set(ValueLayout.JAVA_LONG, 16 * 8, CODE);  // rip
            regs.set(ValueLayout.JAVA_LONG, 17 * 8, 2);     // rflags: bit 1 is reserved-one
            vcpu.ioctl("KVM_SET_REGS", KVM_SET_REGS, regs);
        }
    }

    @Override
    public void close() { closer.close(); }
}
