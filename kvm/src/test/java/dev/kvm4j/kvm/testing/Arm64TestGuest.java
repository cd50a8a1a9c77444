package dev.kvm4j.kvm.testing;

import dev.kvm4j.kvm.GuestMemory;
import dev.kvm4j.kvm.Kvm;
import dev.kvm4j.kvm.MemoryFlag;
import dev.kvm4j.kvm.Vcpu;
import dev.kvm4j.kvm.Vm;
import dev.kvm4j.kvm.abi.IoctlNumber;
import dev.kvm4j.kvm.abi.KvmIoctls;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A tiny arm64 guest for the arch-neutral layer's tests, in the spirit of kvm-ioctls' test_run_code:
 * RAM at {@link #RAM_BASE}, one vCPU initialised with the host's preferred target, code at the start
 * of RAM and x0..x4 preset. Test-only: the product's kvm layer knows nothing of ARM.
 */
public final class Arm64TestGuest implements AutoCloseable {
    public static final long RAM_BASE = 0x4000_0000L;
    public static final long RAM_SIZE = 0x20_0000L;
    /** An address no slot backs: accesses exit as MMIO. */
    public static final long MMIO_ADDR = 0x1000_0000L;

    /** {@code str x1,[x0]; str x3,[x2]; b .} */
    public static final int[] STORE_THEN_MMIO = {0xf9000001, 0xf9000043, 0x14000000};
    /** {@code ldr x1,[x2]; str x1,[x0]; str x3,[x2]; b .} */
    public static final int[] MMIO_READ_THEN_STORE = {0xf9400041, 0xf9000001, 0xf9000043, 0x14000000};
    /** {@code 1: str x1,[x0]; add x0,x0,#0x2000; subs x4,x4,#1; b.ne 1b; str x3,[x2]; b .} */
    public static final int[] DIRTY_EVERY_OTHER_PAGE = {0xf9000001, 0x91400800, 0xf1000484, 0x54ffffa1, 0xf9000043, 0x14000000};
    /** {@code b .} */
    public static final int[] SPIN = {0x14000000};
    /** {@code 1: wfi; b 1b}: without a vGIC nothing wakes it, so it waits in KVM_RUN until kicked. */
    public static final int[] WFI = {0xd503207f, 0x17ffffff};
    /** {@code 1: str x1,[x2]; b 1b} — an MMIO write per iteration, for the exit round-trip benchmark. */
    public static final int[] MMIO_LOOP = {0xf9000041, 0x17ffffff};

    // linux/kvm.h + asm/kvm.h (arm64): core register ids are offsets into struct kvm_regs in 32-bit words.
    private static final long CORE = 0x6000000000000000L | 0x0030000000000000L | 0x0010_0000L;
    public static final long PC = CORE | (32 * 8 / 4);
    private static final long KVM_VCPU_INIT_SIZE = 32;
    private static final long KVM_ARM_VCPU_INIT = IoctlNumber.iow(KvmIoctls.KVMIO, 0xae, KVM_VCPU_INIT_SIZE);
    private static final long KVM_ARM_PREFERRED_TARGET = IoctlNumber.ior(KvmIoctls.KVMIO, 0xaf, KVM_VCPU_INIT_SIZE);

    public final Kvm kvm;
    public final Vm vm;
    public final GuestMemory ram;
    public final Vcpu vcpu;

    private final Closer closer = new Closer();

    public Arm64TestGuest(int[] code, MemoryFlag... ramFlags) {
        try {
            kvm = closer.add(Kvm.open());
            vm = closer.add(kvm.createVm());
            ram = closer.add(GuestMemory.allocate(RAM_BASE, RAM_SIZE));
            vm.addMemory(0, ram, ramFlags);
            vcpu = closer.add(vm.createVcpu(0));
            init(vm, vcpu);
            ram.writeInts(RAM_BASE, code);
            vcpu.setOneReg(PC, RAM_BASE);
        } catch (RuntimeException | Error e) {
            closer.closeAfter(e);
            throw e;
        }
    }

    /** Ask the VM for the preferred target and initialise the vCPU with no optional features. */
    public static void init(Vm vm, Vcpu vcpu) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment init = a.allocate(KVM_VCPU_INIT_SIZE, 4);
            vm.ioctl("KVM_ARM_PREFERRED_TARGET", KVM_ARM_PREFERRED_TARGET, init);
            for (int i = 1; i < 8; i++) init.set(ValueLayout.JAVA_INT, 4L * i, 0);
            vcpu.ioctl("KVM_ARM_VCPU_INIT", KVM_ARM_VCPU_INIT, init);
        }
    }

    public static long x(int n) { return CORE | (n * 2L); }

    public Arm64TestGuest setX(int n, long value) {
        vcpu.setOneReg(x(n), value);
        return this;
    }

    @Override
    public void close() { closer.close(); }
}
