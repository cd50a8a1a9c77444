package dev.kvm4j.arm.run;

import dev.kvm4j.arm.VcpuFeature;
import dev.kvm4j.arm.VcpuFeatureUnavailableException;
import dev.kvm4j.arm.VcpuInit;
import dev.kvm4j.arm.gic.AddressRange;
import dev.kvm4j.arm.psci.Psci;
import dev.kvm4j.arm.regs.CoreRegister;
import dev.kvm4j.kvm.GuestMemory;
import dev.kvm4j.kvm.Kvm;
import dev.kvm4j.kvm.Vcpu;
import dev.kvm4j.kvm.Vm;
import dev.kvm4j.kvm.testing.Closer;
import org.junit.jupiter.api.Assumptions;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * A machine for run-loop tests: 64 KiB of RAM at {@link #RAM} (code from {@link #CODE}, guest results on
 * {@link #OUTPUT}, a page the VMM never touches before the guest writes it, so no stale host cache line
 * hides a store on hosts without FWB), vCPUs with PSCI 0.2 where every vCPU but 0 starts powered off, and
 * an empty {@link MmioMap}. Nothing is mapped at {@link #UNMAPPED}.
 */
final class RunGuest implements AutoCloseable {
    static final long RAM = 0x4000_0000L, RAM_SIZE = 0x1_0000L;
    static final long CODE = RAM, OUTPUT = RAM + 0x2000;
    static final long DEVICE = 0x1000_0000L, DEVICE_SIZE = 0x1000;
    static final long UNMAPPED = 0x2000_0000L;
    static final long SYSTEM_OFF = Integer.toUnsignedLong(Psci.PSCI_0_2_FN_SYSTEM_OFF);
    private static final Duration RUN_LIMIT = Duration.ofMinutes(2);

    final Kvm kvm;
    final Vm vm;
    final GuestMemory ram;
    final List<Vcpu> vcpus = new ArrayList<>();
    final MmioMap mmio = new MmioMap();

    private final Closer closer = new Closer();

    private RunGuest(int cpus, VcpuFeature... features) {
        try {
            kvm = closer.add(Kvm.open());
            vm = closer.add(kvm.createVm());
            ram = closer.add(GuestMemory.allocate(RAM, RAM_SIZE));
            vm.addMemory(0, ram);
            EnumSet<VcpuFeature> boot = EnumSet.of(VcpuFeature.PSCI_0_2, features);
            VcpuInit primary = VcpuInit.preferred(vm, boot.toArray(VcpuFeature[]::new));
            boot.add(VcpuFeature.POWER_OFF);
            VcpuInit secondary = new VcpuInit(primary.target(), boot);
            for (int i = 0; i < cpus; i++) {
                Vcpu v = closer.add(vm.createVcpu(i));
                vcpus.add(v);
                (i == 0 ? primary : secondary).apply(v);
            }
        } catch (VcpuFeatureUnavailableException e) {
            closer.closeAfter(e);
            throw Assumptions.<RuntimeException>abort(e.getMessage());
        } catch (RuntimeException | Error e) {
            closer.closeAfter(e);
            throw e;
        }
    }

    /** {@code cpus} vCPUs with PSCI 0.2 and {@code features}; a feature this host lacks skips the test, with the reason. */
    static RunGuest create(int cpus, VcpuFeature... features) { return new RunGuest(cpus, features); }

    /** Writes guest code (or data) at {@code gpa}. */
    RunGuest load(long gpa, int... code) {
        ram.writeInts(gpa, code);
        return this;
    }

    RunGuest set(int vcpu, CoreRegister register, long value) {
        vcpus.get(vcpu).setOneReg(register.id(), value);
        return this;
    }

    RunGuest x(int n, long value) { return set(0, CoreRegister.x(n), value); }

    long get(int vcpu, CoreRegister register) { return vcpus.get(vcpu).getOneReg(register.id()); }

    long x(int n) { return get(0, CoreRegister.x(n)); }

    RunGuest device(long base, MmioHandler handler) {
        mmio.add(new AddressRange("test device", base, DEVICE_SIZE), handler);
        return this;
    }

    /** A loop over every vCPU, vCPU 0 starting at {@link #CODE}; the caller starts it. */
    MachineLoop loop(UnmappedPolicy policy) {
        set(0, CoreRegister.PC, CODE);
        return new MachineLoop(vm, vcpus, mmio, policy);
    }

    /** Runs vCPU 0 from {@link #CODE} until the machine ends; a guest still running after two minutes fails the test. */
    RunEnd run(UnmappedPolicy policy) throws InterruptedException {
        try (MachineLoop loop = loop(policy)) {
            loop.start();
            return loop.await(RUN_LIMIT).orElseGet(() -> fail("the guest still runs after " + RUN_LIMIT));
        }
    }

    @Override
    public void close() { closer.close(); }
}
