package dev.kvm4j.arm.debug;

import dev.kvm4j.arm.VcpuFeature;
import dev.kvm4j.arm.VcpuInit;
import dev.kvm4j.arm.regs.CoreRegister;
import dev.kvm4j.kvm.GuestMemory;
import dev.kvm4j.kvm.Kvm;
import dev.kvm4j.kvm.Vcpu;
import dev.kvm4j.kvm.VcpuExit;
import dev.kvm4j.kvm.Vm;
import dev.kvm4j.kvm.abi.Capability;
import org.junit.jupiter.api.Assumptions;

/**
 * A bare-metal AArch64 guest for guest-debug tests: one vCPU at EL1h with the MMU off (VA = PA), 64 KiB of RAM
 * at {@link #RAM}, the program below at {@link #CODE}, a vector table at {@link #VBAR} whose synchronous
 * handler reports ESR_EL1 as an MMIO write, and {@link #DATA}, a page the VMM never touches before the guest.
 * x2 = DATA and x3 = the MMIO address on entry.
 */
final class DebugGuest implements AutoCloseable {
    static final long RAM = 0x4000_0000L, RAM_SIZE = 0x1_0000L;
    static final long CODE = RAM, VBAR = RAM + 0x800, DATA = RAM + 0x2000;
    static final long MMIO = 0x1000_0000L;
    private static final int MAX_INTERRUPTED_RUNS = 100;

    // aarch64-linux-gnu-as, objdump -d
    static final int[] PROGRAM = {
            0xd2800021, // 0x00: mov x1, #1
            0x91000421, // 0x04: add x1, x1, #1
            0x91000821, // 0x08: add x1, x1, #2
            0x91000c21, // 0x0c: add x1, x1, #3
            0xf9000041, // 0x10: str x1, [x2]      (a write to DATA)
            0xf9400044, // 0x14: ldr x4, [x2]      (a read of DATA)
            0xd4200ee0, // 0x18: brk #0x77         (the guest's own breakpoint)
            0xf9000061, // 0x1c: str x1, [x3]      (MMIO: the end)
            0x14000000, // 0x20: b .
    };
    /** At VBAR + 0x200, the synchronous exception from the current EL with SP_EL1. */
    static final int[] SYNC_HANDLER = {
            0xd5385205, // mrs x5, esr_el1
            0xd5384026, // mrs x6, elr_el1
            0xf9000065, // str x5, [x3]        (MMIO: the syndrome)
            0x14000000, // b .
    };
    static final long ADD_1 = CODE + 0x04, ADD_2 = CODE + 0x08, ADD_3 = CODE + 0x0c, STORE = CODE + 0x10, LOAD = CODE + 0x14,
            GUEST_BRK = CODE + 0x18, END = CODE + 0x1c;

    final Kvm kvm;
    final Vm vm;
    final GuestMemory ram;
    final Vcpu vcpu;
    final SoftwareBreakpoints breakpoints;
    final HardwareDebug hardware;

    DebugGuest() {
        kvm = Kvm.open();
        try {
            vm = kvm.createVm();
            if (vm.checkExtension(Capability.SET_GUEST_DEBUG) <= 0) {
                close();
                Assumptions.abort("this kernel has no KVM_CAP_SET_GUEST_DEBUG");
            }
            ram = GuestMemory.allocate(RAM, RAM_SIZE);
            vm.addMemory(0, ram);
            vcpu = vm.createVcpu(0);
            VcpuInit.preferred(vm, VcpuFeature.PSCI_0_2).apply(vcpu);
            ram.writeInts(CODE, PROGRAM);
            ram.writeInts(VBAR + 0x200, SYNC_HANDLER);
            vcpu.setOneReg(CoreRegister.PC.id(), CODE);
            vcpu.setOneReg(CoreRegister.x(2).id(), DATA);
            vcpu.setOneReg(CoreRegister.x(3).id(), MMIO);
            vcpu.setOneReg(ExceptionInjector.VBAR_EL1, VBAR);
            breakpoints = new SoftwareBreakpoints(PhysicalMemory.of(ram));
            hardware = HardwareDebug.forVm(vm);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Turns guest debug on (or off) with these settings. */
    void debug(boolean singleStep) {
        GuestDebug.apply(vcpu, new GuestDebug.Control(singleStep, true, hardware));
    }

    /** Runs to the next debug or MMIO exit; any other exit fails the test. */
    VcpuExit run() {
        for (int i = 0; i < MAX_INTERRUPTED_RUNS; i++) {
            VcpuExit exit = vcpu.run();
            switch (exit) {
                case VcpuExit.Debug d -> { return d; }
                case VcpuExit.Mmio m -> { return m; }
                case VcpuExit.Interrupted ignored -> { }
                default -> throw new AssertionError("guest exit " + exit + " at PC 0x" + Long.toHexString(pc()));
            }
        }
        throw new AssertionError("no exit after " + MAX_INTERRUPTED_RUNS + " interrupted runs");
    }

    /** Runs to the next debug exit and decodes it; an MMIO exit instead fails the test. */
    DebugExit runToDebugExit() {
        VcpuExit exit = run();
        if (!(exit instanceof VcpuExit.Debug d)) throw new AssertionError("expected a debug exit, got " + exit + " at PC 0x" + Long.toHexString(pc()));
        return DebugExit.read(vcpu, d, breakpoints);
    }

    VcpuExit.Mmio runToMmio() {
        VcpuExit exit = run();
        if (exit instanceof VcpuExit.Mmio m) return m;
        throw new AssertionError("expected the MMIO write, got " + exit + " (" + DebugExit.read(vcpu, (VcpuExit.Debug) exit, breakpoints) + ")");
    }

    long pc() { return vcpu.getOneReg(CoreRegister.PC.id()); }

    long x(int n) { return vcpu.getOneReg(CoreRegister.x(n).id()); }

    @Override
    public void close() {
        if (vcpu != null) vcpu.close();
        if (vm != null) vm.close();
        if (ram != null) ram.close();
        kvm.close();
    }
}
