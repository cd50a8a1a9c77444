package dev.kvm4j.vmm.machine;

import dev.kvm4j.arm.VcpuFeature;
import dev.kvm4j.arm.VcpuInit;
import dev.kvm4j.arm.gic.AddressRange;
import dev.kvm4j.arm.gic.GicLayout;
import dev.kvm4j.arm.gic.Interrupts;
import dev.kvm4j.arm.gic.Vgic;
import dev.kvm4j.arm.regs.CoreRegister;
import dev.kvm4j.arm.run.MachineLoop;
import dev.kvm4j.arm.run.MmioHandler;
import dev.kvm4j.arm.run.MmioMap;
import dev.kvm4j.arm.run.RunEnd;
import dev.kvm4j.arm.run.UnmappedPolicy;
import dev.kvm4j.kvm.GuestMemory;
import dev.kvm4j.kvm.Kvm;
import dev.kvm4j.kvm.Vcpu;
import dev.kvm4j.kvm.Vm;
import dev.kvm4j.vmm.Boot;
import dev.kvm4j.vmm.BootTimeline;
import dev.kvm4j.arm.gic.GicVersion;
import dev.kvm4j.vmm.Layout;
import dev.kvm4j.vmm.MachineConfig;
import dev.kvm4j.vmm.MachineRunner;
import dev.kvm4j.vmm.device.Pl011;
import dev.kvm4j.vmm.fdt.DtbFile;
import dev.kvm4j.vmm.loader.BootFiles;
import dev.kvm4j.vmm.loader.BootPlan;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

/**
 * Builds the machine on real KVM and runs it until the guest powers off: RAM, vCPUs, the in-kernel vGIC
 * (its addresses handed over only once the memory map is final), the PL011 in the MMIO map, and the arm
 * layer's run loop (a thread per vCPU).
 */
public final class KvmRunner implements MachineRunner {
    private static final int NR_IRQS = 64 + Vgic.PRIVATE_IRQS;

    private final InputStream stdin;
    private final OutputStream console;
    private final PrintWriter out;

    public KvmRunner(InputStream stdin, OutputStream console, PrintWriter out) {
        this.stdin = stdin;
        this.console = console;
        this.out = out;
    }

    @Override
    public int run(MachineConfig requested) throws Exception {
        MachineConfig config = DefaultGuest.apply(requested);
        BootTimeline timeline = new BootTimeline();
        // The user's files are read and judged first, straight into guest RAM (an anonymous mapping, no
        // /dev/kvm needed): a bad kernel is reported even on a host without KVM.
        GuestMemory ram = GuestMemory.allocate(Layout.RAM_BASE, config.memory());
        BootFiles files;
        try {
            files = Boot.read(config, ram);
        } catch (Throwable t) {
            ram.close();
            throw t;
        }
        if (config.dumpDtb().isPresent() && (config.gic().isPresent() || !Kvm.isAvailable())) {
            try (ram) {
                return dumpDtb(config, files, config.gic().orElse(GicVersion.V3), ram);
            }
        }
        List<Vcpu> vcpus = new ArrayList<>();
        try (ram; Kvm kvm = Kvm.open(); Vm vm = kvm.createVm()) {
            vm.addMemory(0, ram);
            try (Vgic vgic = Vgic.create(vm, armGic(config))) {
                timeline.mark(BootTimeline.VM_CREATED);
                GicVersion gic = vgic.version();
                BootPlan plan = Boot.prepare(config, files, gic, ram);
                timeline.mark(BootTimeline.LOADED);
                if (config.dumpDtb().isPresent()) {
                    DtbFile.write(config.dumpDtb().get(), plan.dtbBlob());
                    out.println("kvm4j: device tree (" + plan.dtbBlob().length + " bytes) written to " + config.dumpDtb().get());
                    return 0;
                }
                createVcpus(vm, config, vcpus);
                AddressRange uartRange = new AddressRange("PL011 UART", Layout.UART_BASE, Layout.UART_SIZE);
                vgic.setAddresses(gicLayout(gic, config.cpus()),
                        List.of(new AddressRange("RAM", Layout.RAM_BASE, config.memory()), uartRange));
                vgic.initialise(NR_IRQS, vcpus);
                setBootRegisters(vcpus.get(0), plan);
                if (config.verbose()) out.println("kvm4j: " + plan.state() + " guest, " + vgic.version().label()
                        + String.format(", entry 0x%x, device tree at 0x%x", plan.entry(), plan.dtbAddress()));
                out.flush();

                Interrupts irqs = vgic.interrupts();
                // The line is looked up once: the UART drives it on every level change.
                Pl011 uart = new Pl011(new FirstByteStream(console, timeline), irqs.spiLine(Layout.UART_SPI)::set);
                MmioMap mmio = new MmioMap().add(uartRange, uart);
                Stop.Reason reason = runUntilStopped(vm, vcpus, mmio, uart, timeline);
                uart.flush();
                console.flush();
                timeline.mark(BootTimeline.EXIT);
                out.println();
                out.println("kvm4j: " + reason.message());
                if (config.timings()) out.print(timeline.report());
                out.flush();
                return reason.exitStatus();
            }
        } finally {
            for (Vcpu v : vcpus) v.close();
        }
    }

    /** --dump-dtb where the GIC is named or no KVM can be asked: the tree is the same, no VM is needed. */
    private int dumpDtb(MachineConfig config, BootFiles files, GicVersion gic, GuestMemory ram) throws java.io.IOException {
        BootPlan plan = Boot.prepare(config, files, gic, ram);
        DtbFile.write(config.dumpDtb().get(), plan.dtbBlob());
        out.println("kvm4j: device tree (" + plan.dtbBlob().length + " bytes, " + Layout.gicName(gic) + ") written to "
                + config.dumpDtb().get());
        out.flush();
        return 0;
    }

    /**
     * Runs the vCPUs on the arm layer's loop until the guest or the user ends the machine. An unmapped
     * access stops it: a guest kvm4j boots should touch only what the device tree describes, so such an
     * access is a bug worth a clear message rather than an abort the guest may swallow.
     */
    private Stop.Reason runUntilStopped(Vm vm, List<Vcpu> vcpus, MmioMap mmio, Pl011 uart, BootTimeline timeline)
            throws InterruptedException {
        try (MachineLoop loop = new MachineLoop(vm, vcpus, mmio, UnmappedPolicy.STOP)) {
            timeline.mark(BootTimeline.FIRST_INSTRUCTION);
            loop.start();
            ConsoleInput.start(stdin, uart);
            Thread userStop = new Thread(() -> loop.stop(Stop.BY_USER));
            Runtime.getRuntime().addShutdownHook(userStop);
            // await() returns only once every vCPU thread is out of KVM_RUN, including vCPUs PSCI holds off.
            RunEnd end = loop.await();
            try {
                Runtime.getRuntime().removeShutdownHook(userStop);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is already exiting because of the signal
            }
            return Stop.of(end);
        }
    }

    /** vCPU 0 boots; the others start powered off until the guest's PSCI CPU_ON, on the same target. */
    private static void createVcpus(Vm vm, MachineConfig config, List<Vcpu> vcpus) {
        VcpuFeature[] features = config.aarch32()
                ? new VcpuFeature[] {VcpuFeature.PSCI_0_2, VcpuFeature.EL1_32BIT}
                : new VcpuFeature[] {VcpuFeature.PSCI_0_2};
        Vcpu first = vm.createVcpu(0);
        vcpus.add(first);
        VcpuInit boot = VcpuInit.initialise(vm, first, features);
        EnumSet<VcpuFeature> secondary = EnumSet.copyOf(boot.features());
        secondary.add(VcpuFeature.POWER_OFF);
        VcpuInit parked = new VcpuInit(boot.target(), secondary);
        for (int i = 1; i < config.cpus(); i++) {
            Vcpu v = vm.createVcpu(i);
            vcpus.add(v);
            parked.apply(v);
        }
    }

    /** The kernel's boot protocol: PC at the entry, x0..x3 (r0..r2 for AArch32) as the loader says. */
    private static void setBootRegisters(Vcpu vcpu, BootPlan plan) {
        vcpu.setOneReg(CoreRegister.PC.id(), plan.registers().pc());
        for (int n = 0; n < 4; n++) vcpu.setOneReg(CoreRegister.x(n).id(), plan.registers().gpr(n));
    }

    private static GicVersion armGic(MachineConfig config) {
        return config.gic().orElse(GicVersion.AUTO);
    }

    private static GicLayout gicLayout(GicVersion gic, int cpus) {
        return gic == GicVersion.V2
                ? new GicLayout.V2(Layout.GIC_DIST_BASE, Layout.GIC_V2_CPU_BASE)
                : new GicLayout.V3(Layout.GIC_DIST_BASE, Layout.GIC_V3_REDIST_BASE, cpus);
    }
}
