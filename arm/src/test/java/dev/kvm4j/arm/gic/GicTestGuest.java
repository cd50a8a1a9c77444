package dev.kvm4j.arm.gic;

import dev.kvm4j.kvm.GuestMemory;
import dev.kvm4j.kvm.Kvm;
import dev.kvm4j.kvm.Vcpu;
import dev.kvm4j.kvm.VcpuExit;
import dev.kvm4j.kvm.Vm;
import dev.kvm4j.kvm.testing.Arm64TestGuest;
import dev.kvm4j.kvm.testing.Closer;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * A machine for the vGIC's real-KVM tests: RAM, n initialised vCPUs and a vGIC, laid out as QEMU's "virt"
 * board does (GIC frames at 0x0800_0000), plus three unbacked addresses the guests write to report.
 */
final class GicTestGuest implements AutoCloseable {
    static final long RAM_BASE = 0x4000_0000L, RAM_SIZE = 0x20_0000L;
    static final long GICD = 0x0800_0000L, GICC = 0x0801_0000L, GICR = 0x080A_0000L;
    /** The guest writes here once its GIC is set up and IRQs are unmasked. */
    static final long READY = 0x1000_0000L;
    /** The guest's IRQ handler writes the INTID it acknowledged here. */
    static final long REPORT = 0x1000_1000L;
    /** An unexpected exception vector writes ESR_EL1 to FAULT + the vector's offset. */
    static final long FAULT = 0x1000_2000L;
    static final long VECTORS = RAM_BASE + 0x800;
    static final List<AddressRange> OCCUPIED = List.of(
            new AddressRange("RAM", RAM_BASE, RAM_SIZE),
            new AddressRange("test report window", READY, 0x3000));

    final Kvm kvm;
    final Vm vm;
    final GuestMemory ram;
    final List<Vcpu> vcpus = new ArrayList<>();
    final Vgic vgic;

    /** VM, vGIC of {@code version}, RAM and {@code n} vCPUs created and initialised; addresses not yet set. */
    private final Closer closer = new Closer();

    GicTestGuest(GicVersion version, int n) {
        try {
            kvm = closer.add(Kvm.open());
            vm = closer.add(kvm.createVm());
            ram = closer.add(GuestMemory.allocate(RAM_BASE, RAM_SIZE));
            vm.addMemory(0, ram);
            vgic = closer.add(Vgic.create(vm, version));
            for (int i = 0; i < n; i++) {
                Vcpu v = closer.add(vm.createVcpu(i));
                vcpus.add(v);
                Arm64TestGuest.init(vm, v);
            }
        } catch (RuntimeException | Error e) {
            closer.closeAfter(e);
            throw e;
        }
    }

    /** The virt-board layout for the vGIC created, with a redistributor per vCPU. */
    GicLayout layout() { return GicLayout.of(vgic.version(), GICD, vgic.version() == GicVersion.V3 ? GICR : GICC, vcpus.size()); }

    /** Addresses at {@link #layout()}, then initialise with 64 SPIs. */
    GicTestGuest ready() {
        vgic.setAddresses(layout(), OCCUPIED);
        vgic.initialise(96, vcpus);
        return this;
    }

    Vcpu vcpu0() { return vcpus.getFirst(); }

    /**
     * Runs vCPU 0 until the guest writes one of the report addresses, and returns that exit. Any other exit,
     * a write to the fault window, or {@code seconds} without a report fails the test: a watchdog kicks the
     * vCPU out of its WFI loop, so a guest that never takes the interrupt cannot hang the suite.
     */
    VcpuExit.Mmio runUntilReport(int seconds) {
        AtomicBoolean expired = new AtomicBoolean();
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "gic-test-watchdog");
            t.setDaemon(true);
            return t;
        });
        watchdog.schedule(() -> { expired.set(true); vcpu0().kick(); }, seconds, TimeUnit.SECONDS);
        try {
            while (true) {
                VcpuExit exit = vcpu0().run();
                switch (exit) {
                    case VcpuExit.Mmio m when m.address() >= FAULT && m.address() < FAULT + 0x800 ->
                            fail(String.format("guest took an unexpected exception: vector 0x%x, ESR_EL1 0x%x",
                                    m.address() - FAULT, m.data()));
                    case VcpuExit.Mmio m when m.isWrite() && (m.address() == READY || m.address() == REPORT) -> {
                        return m;
                    }
                    case VcpuExit.Interrupted _ when expired.get() ->
                            fail("no report from the guest within " + seconds + " s (it is waiting in WFI: no interrupt reached it)");
                    case VcpuExit.Interrupted _ -> { }
                    default -> fail("unexpected exit " + exit);
                }
            }
        } finally {
            watchdog.shutdownNow();
        }
    }

    @Override
    public void close() { closer.close(); }
}
