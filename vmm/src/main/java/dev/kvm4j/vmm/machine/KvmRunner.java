package dev.kvm4j.vmm.machine;

import dev.kvm4j.arm.VcpuFeature;
import dev.kvm4j.arm.VcpuInit;
import dev.kvm4j.arm.gic.AddressRange;
import dev.kvm4j.arm.gic.GicLayout;
import dev.kvm4j.arm.gic.GicVersion;
import dev.kvm4j.arm.gic.Interrupts;
import dev.kvm4j.arm.gic.Vgic;
import dev.kvm4j.arm.regs.CoreRegister;
import dev.kvm4j.arm.run.MachineLoop;
import dev.kvm4j.arm.run.MmioMap;
import dev.kvm4j.arm.run.UnmappedPolicy;
import dev.kvm4j.kvm.GuestMemory;
import dev.kvm4j.kvm.Kvm;
import dev.kvm4j.kvm.Vcpu;
import dev.kvm4j.kvm.Vm;
import dev.kvm4j.vmm.Boot;
import dev.kvm4j.vmm.BootTimeline;
import dev.kvm4j.vmm.ConfigException;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

/**
 * Builds the machine on real KVM and runs it until the guest powers off: RAM, vCPUs, the in-kernel vGIC
 * (its addresses handed over only once the memory map is final), the PL011 in the MMIO map, and the arm
 * layer's run loop (a thread per vCPU). {@code --check} and {@code --dump-dtb} stop before any VM; the
 * host's KVM is reached only through {@link HostKvm}, so an x86 host never opens its /dev/kvm for them.
 */
public final class KvmRunner implements MachineRunner {
    private static final int NR_IRQS = 64 + Vgic.PRIVATE_IRQS;

    private final InputStream stdin;
    private final OutputStream console;
    private final PrintWriter out;
    private final HostKvm host;

    /**
     * @param stdin   the user's keyboard, polled with {@code available()} (see {@link ConsoleInput})
     * @param console where the guest's console goes, through a bounded buffer (see {@link ConsoleOutput})
     * @param out     kvm4j's own lines
     */
    public KvmRunner(InputStream stdin, OutputStream console, PrintWriter out) {
        this(stdin, console, out, HostKvm.local());
    }

    public KvmRunner(InputStream stdin, OutputStream console, PrintWriter out, HostKvm host) {
        this.stdin = stdin;
        this.console = console;
        this.out = out;
        this.host = host;
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
        if (config.check()) {
            try (ram) {
                return check(config, files, ram);
            }
        }
        if (config.dumpDtb().isPresent()) {
            try (ram) {
                return dumpDtb(config, files, config.gic().orElseGet(host::autoGic), ram);
            }
        }
        return boot(config, files, ram, timeline);
    }

    /**
     * {@code --check}: all a boot does before the VM (files placed in RAM, the device tree built with the
     * named GIC or a nominal v3 for auto, which has the larger vCPU range) and nothing after; silent.
     */
    private static int check(MachineConfig config, BootFiles files, GuestMemory ram) {
        config.dumpDtb().ifPresent(KvmRunner::checkDumpTarget);
        Boot.prepare(config, files, config.gic().orElse(GicVersion.V3), ram);
        return 0;
    }

    /** A --dump-dtb path whose directory is missing would fail only after the boot in the emulated host. */
    private static void checkDumpTarget(Path file) {
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            throw new ConfigException("--dump-dtb " + file + ": " + dir + " is not a directory");
        }
        if (Files.isDirectory(file)) throw new ConfigException("--dump-dtb " + file + " is a directory: name a file");
    }

    /** --dump-dtb: the tree depends only on the config and the GIC version, so no VM is needed. */
    private int dumpDtb(MachineConfig config, BootFiles files, GicVersion gic, GuestMemory ram) {
        BootPlan plan = Boot.prepare(config, files, gic, ram);
        DtbFile.write(config.dumpDtb().get(), plan.dtbBlob());
        out.println("kvm4j: device tree (" + plan.dtbBlob().length + " bytes, " + Layout.gicName(gic) + ") written to "
                + config.dumpDtb().get());
        out.flush();
        return 0;
    }

    private int boot(MachineConfig config, BootFiles files, GuestMemory ram, BootTimeline timeline) throws Exception {
        List<Vcpu> vcpus = new ArrayList<>();
        // Closed in reverse: the vGIC, the vCPUs, the VM, and only then the RAM its memory slot points at.
        try (ram; Kvm kvm = host.openArm();
             Vm vm = kvm.createVm();
             AutoCloseable closeVcpus = () -> vcpus.forEach(Vcpu::close)) {
            vm.addMemory(0, ram);
            try (Vgic vgic = Vgic.create(vm, config.gic().orElse(GicVersion.AUTO))) {
                timeline.mark(BootTimeline.VM_CREATED);
                GicVersion gic = vgic.version();
                BootPlan plan = Boot.prepare(config, files, gic, ram);
                timeline.mark(BootTimeline.LOADED);
                createVcpus(vm, config, vcpus);
                AddressRange uartRange = new AddressRange("PL011 UART", Layout.UART_BASE, Layout.UART_SIZE);
                vgic.setAddresses(gicLayout(gic, config.cpus()),
                        List.of(new AddressRange("RAM", Layout.RAM_BASE, config.memory()), uartRange));
                vgic.initialise(NR_IRQS, vcpus);
                setBootRegisters(vcpus.get(0), plan);
                if (config.verbose()) out.println("kvm4j: " + plan.state() + " guest, " + gic.label()
                        + String.format(", entry 0x%x, device tree at 0x%x", plan.entry(), plan.dtbAddress()));
                out.flush();
                return runUntilStopped(config, vm, vcpus, vgic.interrupts(), uartRange, timeline);
            }
        }
    }

    /**
     * Runs the vCPUs on the arm layer's loop until the guest or the user ends the machine, then shows the
     * guest's last output and why it ended. An unmapped access stops it: a guest kvm4j boots should touch
     * only what the device tree describes, so such an access is a bug worth a clear message rather than an
     * abort the guest may swallow.
     */
    private int runUntilStopped(MachineConfig config, Vm vm, List<Vcpu> vcpus, Interrupts irqs, AddressRange uartRange,
                                BootTimeline timeline) throws InterruptedException {
        try (ConsoleOutput screen = new ConsoleOutput(console)) {
            Pl011 uart = new Pl011(new FirstByteStream(screen, timeline), irqs.spiLine(Layout.UART_SPI)::set);
            MmioMap mmio = new MmioMap().add(uartRange, uart);
            try (MachineLoop loop = new MachineLoop(vm, vcpus, mmio, UnmappedPolicy.STOP);
                 UserStop userStop = UserStop.install(() -> loop.stop(Stop.BY_USER))) {
                Stop.Reason reason;
                timeline.mark(BootTimeline.FIRST_INSTRUCTION);
                loop.start();
                try (ConsoleInput input = ConsoleInput.start(stdin, uart::receive)) {
                    // await() returns only once every vCPU thread is out of KVM_RUN, including vCPUs PSCI holds off.
                    reason = Stop.of(loop.await());
                }
                uart.flush();
                long dropped = screen.close(ConsoleOutput.DEFAULT_PATIENCE);
                timeline.mark(BootTimeline.EXIT);
                out.println();
                out.println("kvm4j: " + reason.message());
                if (dropped > 0) {
                    out.println("kvm4j: " + dropped + " bytes of the guest's console output were dropped: the terminal did not take them in time");
                }
                if (config.timings()) out.print(timeline.report());
                out.flush();
                return reason.exitStatus();
            }
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

    private static GicLayout gicLayout(GicVersion gic, int cpus) {
        return gic == GicVersion.V2
                ? new GicLayout.V2(Layout.GIC_DIST_BASE, Layout.GIC_V2_CPU_BASE)
                : new GicLayout.V3(Layout.GIC_DIST_BASE, Layout.GIC_V3_REDIST_BASE, cpus);
    }
}
