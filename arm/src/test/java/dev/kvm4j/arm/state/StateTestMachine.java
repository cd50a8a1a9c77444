package dev.kvm4j.arm.state;

import dev.kvm4j.arm.VcpuFeature;
import dev.kvm4j.arm.VcpuInit;
import dev.kvm4j.arm.cpu.ArmVcpu;
import dev.kvm4j.arm.gic.AddressRange;
import dev.kvm4j.arm.gic.GicLayout;
import dev.kvm4j.arm.gic.GicVersion;
import dev.kvm4j.arm.gic.Vgic;
import dev.kvm4j.kvm.GuestMemory;
import dev.kvm4j.kvm.Kvm;
import dev.kvm4j.kvm.Vcpu;
import dev.kvm4j.kvm.VcpuExit;
import dev.kvm4j.kvm.Vm;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * A small machine for the snapshot tests, built in the order a restore needs: vCPUs created and
 * initialised, then the vGIC (virt-board addresses, 96 INTIDs). The same constructor builds the machine a
 * state is saved from and the one it is restored into.
 */
final class StateTestMachine implements AutoCloseable {
    static final long RAM_BASE = 0x4000_0000L, RAM_SIZE = 0x20_0000L;
    static final long GICD = 0x0800_0000L, GICC = 0x0801_0000L, GICR = 0x080A_0000L;
    static final long READY = 0x1000_0000L, REPORT = 0x1000_1000L, FAULT = 0x1000_2000L;
    static final long VECTORS = RAM_BASE + 0x800;
    static final int NR_IRQS = 96;

    final Kvm kvm;
    final Vm vm;
    final GuestMemory ram;
    final List<Vcpu> vcpus = new ArrayList<>();
    final List<ArmVcpu> armVcpus = new ArrayList<>();
    final Vgic vgic;

    /** {@code n} vCPUs; those listed in {@code poweredOff} are initialised with POWER_OFF. */
    StateTestMachine(int n, int... poweredOff) {
        kvm = Kvm.open();
        vm = kvm.createVm();
        ram = GuestMemory.allocate(RAM_BASE, RAM_SIZE);
        vm.addMemory(0, ram);
        for (int i = 0; i < n; i++) {
            Vcpu v = vm.createVcpu(i);
            vcpus.add(v);
            boolean off = false;
            for (int p : poweredOff) off |= p == i;
            VcpuInit init = off ? VcpuInit.preferred(vm, VcpuFeature.POWER_OFF) : VcpuInit.preferred(vm);
            armVcpus.add(ArmVcpu.initialise(v, init));
        }
        vgic = Vgic.create(vm, GicVersion.AUTO);
        GicLayout layout = vgic.version() == GicVersion.V3 ? new GicLayout.V3(GICD, GICR, n) : new GicLayout.V2(GICD, GICC);
        vgic.setAddresses(layout, List.of(new AddressRange("RAM", RAM_BASE, RAM_SIZE),
                new AddressRange("test report window", READY, 0x3000)));
        vgic.initialise(NR_IRQS, vcpus);
    }

    boolean v3() { return vgic.version() == GicVersion.V3; }

    Vcpu vcpu0() { return vcpus.getFirst(); }

    /**
     * Runs vCPU 0 until the guest writes READY or REPORT and returns that exit; a fault-window write, another
     * exit, or {@code seconds} without a report fails the test (a watchdog kicks the vCPU out of WFI).
     */
    VcpuExit.Mmio runUntilReport(int seconds) {
        AtomicBoolean expired = new AtomicBoolean();
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "state-test-watchdog");
            t.setDaemon(true);
            return t;
        });
        watchdog.schedule(() -> { expired.set(true); vcpu0().kick(); }, seconds, TimeUnit.SECONDS);
        try {
            while (true) {
                VcpuExit exit = vcpu0().run();
                switch (exit) {
                    case VcpuExit.Mmio m when m.address() >= FAULT && m.address() < FAULT + 0x800 ->
                            fail(String.format("guest took an unexpected exception: vector 0x%x, ESR_EL1 0x%x", m.address() - FAULT, m.data()));
                    case VcpuExit.Mmio m when m.isWrite() && (m.address() == READY || m.address() == REPORT) -> {
                        return m;
                    }
                    case VcpuExit.Interrupted _ when expired.get() ->
                            fail("no report from the guest within " + seconds + " s (waiting in WFI: no interrupt reached it)");
                    case VcpuExit.Interrupted _ -> { }
                    default -> fail("unexpected exit " + exit);
                }
            }
        } finally {
            watchdog.shutdownNow();
        }
    }

    @Override
    public void close() {
        vgic.close();
        for (Vcpu v : vcpus) v.close();
        vm.close();
        ram.close();
        kvm.close();
    }
}
