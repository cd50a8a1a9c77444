package dev.kvm4j.arm;

import dev.kvm4j.arm.regs.CoreRegister;
import dev.kvm4j.arm.regs.CpuState;
import dev.kvm4j.arm.regs.VcpuRegisters;
import dev.kvm4j.kvm.GuestMemory;
import dev.kvm4j.kvm.Kvm;
import dev.kvm4j.kvm.Vcpu;
import dev.kvm4j.kvm.VcpuExit;
import dev.kvm4j.kvm.Vm;
import dev.kvm4j.kvm.testing.Closer;
import org.junit.jupiter.api.Assumptions;

/**
 * A one-vCPU VM for register tests: 64 KiB of RAM at 0x40000000 (slot 0) with code on the first page,
 * input data on the second and guest results on the third, which the VMM does not touch before the guest
 * writes it (so no stale host cache line can hide the guest's store on hosts without FWB). Exits are MMIO
 * writes below RAM.
 */
public final class ArmGuest implements AutoCloseable {
    public static final long RAM = 0x4000_0000L;
    public static final long CODE = RAM, INPUT = RAM + 0x1000, OUTPUT = RAM + 0x2000;
    public static final long RAM_SIZE = 0x1_0000L;
    public static final long MMIO = 0x1000_0000L;
    private static final int MAX_RUNS = 100;

    public final Kvm kvm;
    public final Vm vm;
    public final GuestMemory memory;
    public final Vcpu vcpu;
    public final VcpuInit init;

    private ArmGuest(Kvm kvm, Vm vm, GuestMemory memory, Vcpu vcpu, VcpuInit init) {
        this.kvm = kvm;
        this.vm = vm;
        this.memory = memory;
        this.vcpu = vcpu;
        this.init = init;
    }

    /**
     * A VM with one vCPU initialised with {@code features}; a feature this host lacks aborts the test
     * (reported as skipped, with the reason).
     */
    public static ArmGuest create(VcpuFeature... features) {
        Closer closer = new Closer();
        try {
            Kvm kvm = closer.add(Kvm.open());
            Vm vm = closer.add(kvm.createVm());
            VcpuInit init;
            try {
                init = VcpuInit.preferred(vm, features);
            } catch (VcpuFeatureUnavailableException e) {
                Assumptions.abort(e.getMessage());
                throw e;
            }
            GuestMemory memory = closer.add(GuestMemory.allocate(RAM, RAM_SIZE));
            vm.addMemory(0, memory);
            Vcpu vcpu = closer.add(vm.createVcpu(0));
            init.apply(vcpu);
            return new ArmGuest(kvm, vm, memory, vcpu, init);
        } catch (RuntimeException | Error e) {
            closer.closeAfter(e);
            throw e;
        }
    }

    /** Writes {@code code} at {@link #CODE} and points PC at it. */
    public void load(int[] code) {
        memory.writeInts(CODE, code);
        vcpu.setOneReg(CoreRegister.PC.id(), CODE);
    }

    /** Runs until the guest's MMIO write; any other exit fails with the exit and the PC. */
    public VcpuExit.Mmio runToMmio() {
        for (int i = 0; i < MAX_RUNS; i++) {
            VcpuExit exit = vcpu.run();
            switch (exit) {
                case VcpuExit.Mmio m -> {
                    return m;
                }
                case VcpuExit.Interrupted ignored -> { }
                default -> throw new AssertionError("guest exit " + exit + " at PC 0x" + Long.toHexString(vcpu.getOneReg(CoreRegister.PC.id()))
                        + ", expected an MMIO write");
            }
        }
        throw new AssertionError("no MMIO exit after " + MAX_RUNS + " interrupted runs");
    }

    public CpuState core() { return VcpuRegisters.readCore(vcpu); }

    @Override
    public void close() {
        vcpu.close();
        vm.close();
        memory.close();
        kvm.close();
    }
}
