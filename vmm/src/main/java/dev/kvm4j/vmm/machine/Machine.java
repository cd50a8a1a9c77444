package dev.kvm4j.vmm.machine;

import dev.kvm4j.arm.VcpuFeature;
import dev.kvm4j.arm.VcpuInit;
import dev.kvm4j.arm.cpu.ArmVcpu;
import dev.kvm4j.arm.cpu.SyncLevel;
import dev.kvm4j.arm.gic.AddressRange;
import dev.kvm4j.arm.gic.GicLayout;
import dev.kvm4j.arm.gic.GicVersion;
import dev.kvm4j.arm.gic.Vgic;
import dev.kvm4j.arm.psci.PowerEvent;
import dev.kvm4j.arm.regs.CoreRegister;
import dev.kvm4j.arm.run.DebugHook;
import dev.kvm4j.arm.run.MachineLoop;
import dev.kvm4j.arm.run.MmioMap;
import dev.kvm4j.arm.run.RunEnd;
import dev.kvm4j.arm.run.UnmappedPolicy;
import dev.kvm4j.arm.state.GicState;
import dev.kvm4j.arm.state.GicStateEngine;
import dev.kvm4j.arm.state.VcpuExtraState;
import dev.kvm4j.kvm.GuestMemory;
import dev.kvm4j.kvm.Kvm;
import dev.kvm4j.kvm.Vcpu;
import dev.kvm4j.kvm.Vm;
import dev.kvm4j.vmm.Boot;
import dev.kvm4j.vmm.BootTimeline;
import dev.kvm4j.vmm.Layout;
import dev.kvm4j.vmm.MachineConfig;
import dev.kvm4j.vmm.device.Pl011;
import dev.kvm4j.vmm.loader.BootFiles;
import dev.kvm4j.vmm.loader.BootPlan;
import dev.kvm4j.vmm.snapshot.MachineState;
import dev.kvm4j.vmm.snapshot.SnapshotConfig;
import dev.kvm4j.vmm.snapshot.SnapshotException;
import dev.kvm4j.vmm.snapshot.SnapshotFile;
import dev.kvm4j.vmm.snapshot.SnapshotWriter;
import dev.kvm4j.vmm.snapshot.VcpuSnapshot;
import dev.kvm4j.vmm.virtio.VirtioDevice;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A whole ARM machine on KVM with a lifecycle: guest RAM, the in-kernel vGIC, the vCPUs, the PL011 console.
 * <pre>
 * try (Machine m = Machine.builder(config).console(System.out).build()) {
 *     m.start();            // a thread per vCPU
 *     ...
 *     m.pause();            // every vCPU out of KVM_RUN
 *     m.snapshot(file);     // the whole machine, atomically, to a file
 *     m.resume();
 *     RunEnd end = m.stop();
 * }
 * try (Machine again = Machine.restore(file, Machine.options().console(System.out))) { again.start(); ... }
 * </pre>
 * A guest's PSCI SYSTEM_RESET reboots the machine in place (every vCPU back to its init values, the vGIC to
 * its state right after initialisation, RAM zeroed, kernel, initrd and a new device tree loaded again) unless
 * the options say {@code reboot(false)}. Thread-safe: lifecycle calls come from any thread but the vCPUs'.
 */
public final class Machine implements AutoCloseable {
    private static final int NR_IRQS = 64 + Vgic.PRIVATE_IRQS;

    /** Where a machine is in its life. */
    public enum Phase {
        /** Built (or restored), not started yet. */
        BUILT,
        /** The vCPUs run. */
        RUNNING,
        /** Started, with every vCPU out of KVM_RUN until resumed. */
        PAUSED,
        /** The guest powered off, failed, or was stopped: {@link #await()} has its answer. */
        ENDED,
        /** Closed: everything freed. */
        CLOSED
    }

    private final Options options;
    private MachineConfig config;
    private final SnapshotConfig shape;
    private final GuestMemory ram;
    private final Kvm kvm;
    private final Vm vm;
    private final Vgic vgic;
    private final List<Vcpu> vcpus;
    private final List<ArmVcpu> cpus;
    /** The vGIC as initialised, before the guest touched it: what a reboot puts back. */
    private final GicState gicAtInit;
    private final ConsoleOutput screen;
    private final Pl011 uart;
    private final Pl011.State uartAtBoot;
    private final MmioMap mmio;
    /** The virtio devices (a restore reopens those its snapshot names). */
    private VirtioSlots virtio = VirtioSlots.none();

    private final Object lock = new Object();
    private Phase phase = Phase.BUILT;
    private MachineLoop loop;
    private boolean loopStarted;
    private boolean stopRequested;
    private int reboots;
    private ConsoleInput input;
    private Thread supervisor;
    private volatile DebugHook debugHook;
    private final CompletableFuture<RunEnd> ended = new CompletableFuture<>();

    private Machine(Options options, MachineConfig config, SnapshotConfig shape, GuestMemory ram, Kvm kvm, Vm vm, Vgic vgic,
                    List<Vcpu> vcpus, List<ArmVcpu> cpus, GicState gicAtInit) {
        this.options = options;
        this.config = config;
        this.shape = shape;
        this.ram = ram;
        this.kvm = kvm;
        this.vm = vm;
        this.vgic = vgic;
        this.vcpus = List.copyOf(vcpus);
        this.cpus = List.copyOf(cpus);
        this.gicAtInit = gicAtInit;
        this.screen = new ConsoleOutput(options.console);
        this.uart = new Pl011(new FirstByteStream(screen, options.timeline), vgic.interrupts().spiLine(Layout.UART_SPI)::set);
        this.uartAtBoot = uart.save();
        this.mmio = new MmioMap().add(uartRange(), uart);
    }

    /**
     * Options for {@link #build} and {@link #restore}: console, keyboard, host, reboot policy.
     *
     * @return default options, to be changed by their setters
     */
    public static Options options() { return new Options(); }

    /**
     * A builder for a freshly booted machine of {@code config}.
     *
     * @param config the machine to build
     * @return a builder with default options
     */
    public static Builder builder(MachineConfig config) { return new Builder(config); }

    /**
     * How a machine is attached to its surroundings: console output and input, the host KVM, the reboot policy,
     * the boot timeline, kvm4j's log and the virtio devices. Each setter returns this object, for chaining.
     */
    public static final class Options {
        private OutputStream console = OutputStream.nullOutputStream();
        private InputStream stdin = InputStream.nullInputStream();
        private HostKvm host = HostKvm.local();
        private boolean reboot = true;
        private BootTimeline timeline = new BootTimeline();
        private Consumer<String> log = line -> { };
        private final List<VirtioDevice> devices = new ArrayList<>();

        /**
         * The defaults: console output and input discarded, this host's KVM, reboots allowed, no log, no
         * virtio devices. Explicit only to carry this comment.
         */
        public Options() { }

        /**
         * Where the guest's console output goes (through a bounded buffer).
         *
         * @param out the console's destination (default: discarded)
         * @return these options
         */
        public Options console(OutputStream out) { console = Objects.requireNonNull(out); return this; }

        /**
         * The keyboard: polled with {@code available()}, its bytes go to the UART.
         *
         * @param in the console's input (default: none)
         * @return these options
         */
        public Options input(InputStream in) { stdin = Objects.requireNonNull(in); return this; }

        /**
         * The host KVM the machine is built on (tests give a fake).
         *
         * @param h the host (default: {@link HostKvm#local()})
         * @return these options
         */
        public Options host(HostKvm h) { host = Objects.requireNonNull(h); return this; }

        /**
         * false: a guest's SYSTEM_RESET ends the machine instead of rebooting it.
         *
         * @param b whether the guest may reboot the machine (default: true)
         * @return these options
         */
        public Options reboot(boolean b) { reboot = b; return this; }

        /**
         * Where the boot's moments are marked (for {@code --timings}).
         *
         * @param t the timeline (default: a fresh one nobody reads)
         * @return these options
         */
        public Options timeline(BootTimeline t) { timeline = Objects.requireNonNull(t); return this; }

        /**
         * kvm4j's own lines about the machine (a reboot, say).
         *
         * @param l receives each line (default: dropped)
         * @return these options
         */
        public Options log(Consumer<String> l) { log = Objects.requireNonNull(l); return this; }

        /**
         * A virtio device, in the next slot of the virtio-mmio window (the first disk is the guest's vda). The
         * machine takes it over: it is closed with the machine, or when the build fails.
         *
         * @param device the device; the machine owns it from here
         * @return these options
         */
        public Options add(VirtioDevice device) { devices.add(Objects.requireNonNull(device)); return this; }

        /** A build that fails before the machine takes the devices over closes them (their disk locks with them). */
        void closeDevices() {
            for (VirtioDevice d : devices) {
                try {
                    d.close();
                } catch (Exception ignored) {
                    // the build's failure is the one to report
                }
            }
            devices.clear();
        }
    }

    /** Builds a freshly booted machine: {@link Options}' setters, then {@link #build()}. */
    public static final class Builder {
        private final MachineConfig config;
        private final Options options = new Options();

        private Builder(MachineConfig config) { this.config = Objects.requireNonNull(config); }

        /**
         * See {@link Options#console}.
         *
         * @param out the console's destination
         * @return this builder
         */
        public Builder console(OutputStream out) { options.console(out); return this; }

        /**
         * See {@link Options#input}.
         *
         * @param in the console's input
         * @return this builder
         */
        public Builder input(InputStream in) { options.input(in); return this; }

        /**
         * See {@link Options#host}.
         *
         * @param h the host KVM
         * @return this builder
         */
        public Builder host(HostKvm h) { options.host(h); return this; }

        /**
         * See {@link Options#reboot}.
         *
         * @param b whether the guest may reboot the machine
         * @return this builder
         */
        public Builder reboot(boolean b) { options.reboot(b); return this; }

        /**
         * See {@link Options#timeline}.
         *
         * @param t the boot timeline
         * @return this builder
         */
        public Builder timeline(BootTimeline t) { options.timeline(t); return this; }

        /**
         * See {@link Options#log}.
         *
         * @param l receives kvm4j's lines about the machine
         * @return this builder
         */
        public Builder log(Consumer<String> l) { options.log(l); return this; }

        /**
         * See {@link Options#add}.
         *
         * @param device the device; the machine owns it from here
         * @return this builder
         */
        public Builder add(VirtioDevice device) { options.add(device); return this; }

        /**
         * Builds the machine, ready to {@link Machine#start()}: see {@link Machine#build(MachineConfig, Options)}.
         *
         * @return the built machine
         */
        public Machine build() { return Machine.build(config, options); }
    }

    /**
     * Builds the machine of {@code requested} (the default guest when it names no kernel), ready to start:
     * the files are read into RAM before the host's KVM is opened, so a bad kernel is reported even where
     * there is no KVM.
     *
     * @param requested the machine to build
     * @param options its surroundings; the machine takes over their virtio devices
     * @return the machine, phase {@link Phase#BUILT}
     */
    public static Machine build(MachineConfig requested, Options options) {
        MachineConfig config;
        Boot.Loaded loaded;
        try {
            config = DefaultGuest.apply(requested);
            loaded = Boot.readIntoNewRam(config);
        } catch (Throwable t) {
            options.closeDevices();
            throw t;
        }
        return build(config, options, loaded.ram(), loaded.files());
    }

    /** {@link #build(MachineConfig, Options)} with the boot files already read into {@code ram}, which the machine takes over. */
    static Machine build(MachineConfig config, Options options, GuestMemory ram, BootFiles files) {
        Parts parts = new Parts(ram);
        parts.devices.addAll(options.devices);
        options.devices.clear(); // the machine owns them now: a second build from these options gets none
        try {
            parts.kvm = options.host.openArm();
            parts.vm = parts.kvm.createVm();
            parts.vm.addMemory(0, ram);
            parts.vgic = Vgic.create(parts.vm, config.gic().orElse(GicVersion.AUTO));
            options.timeline.mark(BootTimeline.VM_CREATED);
            GicVersion gic = parts.vgic.version();
            BootPlan plan = Boot.prepare(config, files, gic, ram, VirtioSlots.nodes(parts.devices.size()));
            options.timeline.mark(BootTimeline.LOADED);
            createVcpus(parts, config);
            initialiseVgic(parts.vgic, config.cpus(), config.memory(), NR_IRQS, parts.vcpus);
            parts.attachVirtio(options);
            GicState atInit = GicStateEngine.save(parts.vgic, parts.vcpus);
            setBootRegisters(parts.vcpus.getFirst(), plan);
            options.log.accept(plan.state() + " guest, " + gic.label()
                    + String.format(", entry 0x%x, device tree at 0x%x", plan.entry(), plan.dtbAddress()));
            return parts.machine(options, config, SnapshotConfig.of(config, gic, NR_IRQS), atInit);
        } catch (Throwable t) {
            parts.close();
            throw t;
        }
    }

    /**
     * Brings back the machine a snapshot file holds, ready to {@link #start()}. The file is checked first; then
     * the machine is rebuilt in the order the kernel needs (vCPUs with the same ids and init features, the vGIC
     * at the same addresses with the same INTIDs), and this host is compared with the snapshot's (register
     * list, constant registers, vCPU target and features, GIC version) before any state goes in: a difference
     * is a {@link SnapshotException} naming each one. Then RAM, the registers at FULL (counters included: guest
     * time resumes where the snapshot froze it), power states and events, the vGIC state and the UART.
     *
     * @param file the snapshot file
     * @param options the new machine's surroundings (its virtio devices come from the snapshot)
     * @return the machine, phase {@link Phase#BUILT}
     * @throws SnapshotException when the file cannot be read or this host cannot stand in for the snapshot's
     */
    public static Machine restore(Path file, Options options) {
        long t0 = System.nanoTime();
        SnapshotFile snapshot = SnapshotFile.read(file);
        long read = System.nanoTime();
        MachineState state = snapshot.state();
        SnapshotConfig c = state.config();
        String name = "snapshot " + file;
        if (!c.hasTodaysLayout()) {
            throw new SnapshotException(name + " was taken with another memory map (RAM, GIC or UART addresses) than this kvm4j's");
        }
        GuestMemory ram = GuestMemory.allocate(c.ramBase(), c.memory());
        Parts parts = new Parts(ram);
        try {
            parts.kvm = options.host.openArm();
            parts.vm = parts.kvm.createVm();
            parts.vm.addMemory(0, ram);
            long vmMade = System.nanoTime();
            List<String> mismatches = new ArrayList<>();
            parts.vgic = Compatibility.createVgic(parts.vm, c.gic(), name, mismatches);
            for (VcpuSnapshot v : state.vcpus()) {
                Vcpu vcpu = parts.vm.createVcpu(v.id());
                parts.vcpus.add(vcpu);
                VcpuInit init = new VcpuInit(v.target(), v.features());
                List<String> initDiffers = new ArrayList<>();
                Compatibility.checkInit(v, parts.vm, initDiffers);
                if (!initDiffers.isEmpty()) {
                    mismatches.addAll(initDiffers);
                    throw Compatibility.refuse(name, mismatches);
                }
                parts.cpus.add(ArmVcpu.initialise(vcpu, init));
            }
            long vcpusMade = System.nanoTime();
            for (int i = 0; i < parts.cpus.size(); i++) {
                // initialise has just read every register at FULL: its reset image is this host's fresh vCPU
                Compatibility.checkRegisters(i, state.vcpus().get(i).registers(), parts.cpus.get(i).resetState(), mismatches);
            }
            if (!mismatches.isEmpty()) throw Compatibility.refuse(name, mismatches);
            long compared = System.nanoTime();
            initialiseVgic(parts.vgic, c.cpus(), c.memory(), c.nrIrqs(), parts.vcpus);
            GicState atInit = GicStateEngine.save(parts.vgic, parts.vcpus);
            long built = System.nanoTime();
            snapshot.loadRam(ram);
            long loaded = System.nanoTime();
            for (int i = 0; i < parts.cpus.size(); i++) {
                VcpuSnapshot v = state.vcpus().get(i);
                parts.cpus.get(i).restore(v.registers()).orThrow();
                v.extra().restore(parts.vcpus.get(i));
            }
            GicStateEngine.restore(parts.vgic, parts.vcpus, state.gic());
            parts.devices.addAll(VirtioDevices.reopen(name, snapshot.virtio()));
            parts.attachVirtio(options);
            parts.virtio.restore(name, snapshot.virtio());
            Machine m = parts.machine(options, c.machineConfig(), c, atInit);
            m.uart.restore(state.uart());
            long done = System.nanoTime();
            // Where a restore's time goes (kvm4j -v): for the benchmark's split, and for whoever makes it faster.
            options.log.accept(String.format("restore: file read and checked %d ms, VM, vGIC and vCPUs made and compared %d ms "
                    + "(KVM and VM %d, vGIC and vCPUs %d, compared %d, vGIC initialised and kept %d), "
                    + "RAM %d ms (%d pages), registers, vGIC and UART %d ms", ms(t0, read), ms(read, built),
                    ms(read, vmMade), ms(vmMade, vcpusMade), ms(vcpusMade, compared), ms(compared, built),
                    ms(built, loaded), snapshot.storedPages(), ms(loaded, done)));
            return m;
        } catch (Throwable t) {
            parts.close();
            throw t;
        }
    }

    private static long ms(long from, long to) { return (to - from) / 1_000_000; }

    /** Starts a thread per vCPU, the console input, and the supervisor that reboots the machine or records its end. */
    public void start() {
        synchronized (lock) {
            if (phase != Phase.BUILT) throw new IllegalStateException("the machine is " + phase + ", not BUILT: start it once");
            phase = Phase.RUNNING;
            loop = newLoop();
            loopStarted = true;
            options.timeline.mark(BootTimeline.FIRST_INSTRUCTION);
            loop.start();
            input = ConsoleInput.start(options.stdin, uart::receive);
            supervisor = Thread.ofPlatform().daemon().name("kvm4j-machine").start(this::supervise);
        }
    }

    /**
     * Every vCPU out of KVM_RUN, with its MMIO completed, until {@link #resume()}. No-op unless running.
     *
     * @throws InterruptedException when interrupted while the vCPUs stop
     */
    public void pause() throws InterruptedException {
        synchronized (lock) {
            if (phase != Phase.RUNNING) return;
            if (loopStarted) loop.pause();
            phase = Phase.PAUSED;
        }
    }

    /** Lets a paused machine run again. No-op unless paused. */
    public void resume() {
        synchronized (lock) {
            if (phase != Phase.PAUSED) return;
            phase = Phase.RUNNING;
            if (loopStarted) {
                loop.resume();
            } else {
                loopStarted = true;
                loop.start();
            }
        }
    }

    /**
     * The machine's whole state but RAM, as a value; pauses a running machine for the read and resumes it.
     *
     * @return the state
     * @throws InterruptedException when interrupted while the vCPUs stop
     */
    public MachineState state() throws InterruptedException {
        synchronized (lock) {
            boolean wasRunning = phase == Phase.RUNNING;
            pause();
            try {
                return capture();
            } finally {
                if (wasRunning) resume();
            }
        }
    }

    /**
     * Writes the whole machine to {@code file} (see {@link dev.kvm4j.vmm.snapshot.SnapshotFormat}), atomically; a
     * running machine is paused for it and resumed after.
     *
     * @param file where to write the snapshot
     * @return what was written
     * @throws InterruptedException when interrupted while the vCPUs stop
     * @throws SnapshotException when the file cannot be written
     */
    public SnapshotWriter.Written snapshot(Path file) throws InterruptedException {
        synchronized (lock) {
            if (phase == Phase.CLOSED) throw new IllegalStateException("the machine is closed");
            boolean wasRunning = phase == Phase.RUNNING;
            pause();
            try {
                // the devices held still too: queue positions and RAM must agree
                return virtio.held(() -> SnapshotWriter.write(file, capture(), ram, virtio.save()));
            } finally {
                if (wasRunning) resume();
            }
        }
    }

    private MachineState capture() {
        List<VcpuSnapshot> saved = new ArrayList<>();
        for (int i = 0; i < vcpus.size(); i++) {
            Vcpu v = vcpus.get(i);
            v.completePendingExit();
            ArmVcpu cpu = cpus.get(i);
            saved.add(new VcpuSnapshot(v.id(), cpu.init().target(), cpu.init().features(), cpu.get(SyncLevel.FULL), VcpuExtraState.save(v)));
        }
        return new MachineState(shape, saved, GicStateEngine.save(vgic, vcpus), uart.save());
    }

    /**
     * Ends the machine (a paused one too) and waits for its vCPUs; returns why it ended.
     *
     * @return why the machine ended (the guest may have ended it first)
     * @throws InterruptedException when interrupted while waiting
     */
    public RunEnd stop() throws InterruptedException {
        return stop("stopped by the machine's owner");
    }

    /**
     * {@link #stop()} with the reason the end reports.
     *
     * @param reason why it is stopped, for {@link RunEnd.Stopped}
     * @return why the machine ended (the guest may have ended it first)
     * @throws InterruptedException when interrupted while waiting
     */
    public RunEnd stop(String reason) throws InterruptedException {
        requestStop(reason);
        return await();
    }

    /**
     * Asks the machine to end, without waiting for it (a reboot in progress ends it too).
     *
     * @param reason why it is stopped, for {@link RunEnd.Stopped}
     */
    public void requestStop(String reason) {
        synchronized (lock) {
            stopRequested = true;
            if (phase == Phase.BUILT) {
                phase = Phase.ENDED;
                ended.complete(new RunEnd.Stopped(reason));
            } else if (loop != null) {
                loop.stop(reason);
            }
        }
    }

    /**
     * Waits until the machine has ended (the guest powered off, failed, or was stopped); returns why.
     *
     * @return why it ended
     * @throws InterruptedException when interrupted while waiting
     */
    public RunEnd await() throws InterruptedException {
        try {
            return ended.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("the machine's supervisor failed", e.getCause());
        }
    }

    /**
     * {@link #await()} for at most {@code timeout}: empty while the machine runs on.
     *
     * @param timeout how long to wait at most
     * @return why it ended, or empty if it has not ended within {@code timeout}
     * @throws InterruptedException when interrupted while waiting
     */
    public Optional<RunEnd> await(Duration timeout) throws InterruptedException {
        try {
            return Optional.of(ended.get(timeout.toNanos(), TimeUnit.NANOSECONDS));
        } catch (TimeoutException e) {
            return Optional.empty();
        } catch (ExecutionException e) {
            throw new IllegalStateException("the machine's supervisor failed", e.getCause());
        }
    }

    /**
     * Where the machine is in its life.
     *
     * @return its phase now
     */
    public Phase phase() {
        synchronized (lock) {
            return phase;
        }
    }

    /**
     * How many times the guest rebooted the machine.
     *
     * @return the reboot count
     */
    public int reboots() {
        synchronized (lock) {
            return reboots;
        }
    }

    /**
     * The machine's configuration (the default guest's when the requested one named no kernel).
     *
     * @return the config the machine was built from
     */
    public MachineConfig config() { return config; }

    /**
     * The vGIC version the machine has.
     *
     * @return V2 or V3 ("auto" resolved)
     */
    public GicVersion gic() { return vgic.version(); }

    /**
     * Types {@code bytes} into the console UART (as the keyboard would); returns how many it took.
     *
     * @param bytes what to type
     * @return how many of them the UART took (its receive FIFO may be full)
     */
    public int type(byte[] bytes) { return uart.receive(bytes, 0, bytes.length); }

    /**
     * After the machine ended: shows the guest's last output and stops the console writer.
     *
     * @return bytes of console output dropped over the machine's life (a terminal that did not keep up)
     */
    public long finishConsole() {
        uart.flush();
        return screen.close(ConsoleOutput.DEFAULT_PATIENCE);
    }

    /** Stops the machine if it runs, then frees everything: vGIC, vCPUs, VM, KVM, and RAM last. */
    @Override
    public void close() {
        synchronized (lock) {
            if (phase == Phase.CLOSED) return;
            stopRequested = true;
            if (loop != null) loop.stop("the machine was closed");
        }
        Thread s = supervisor;
        boolean interrupted = false;
        if (s != null) {
            while (true) {
                try {
                    s.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        synchronized (lock) {
            if (loop != null) loop.close();
            if (input != null) input.close();
            screen.close(ConsoleOutput.DEFAULT_PATIENCE);
            phase = Phase.CLOSED;
            ended.complete(new RunEnd.Stopped("the machine was closed"));
        }
        virtio.close();
        vgic.close();
        vcpus.forEach(Vcpu::close);
        vm.close();
        kvm.close();
        ram.close();
        if (interrupted) Thread.currentThread().interrupt();
    }

    /** Waits out each run of the vCPUs; a SYSTEM_RESET starts the next one, anything else ends the machine. */
    private void supervise() {
        while (true) {
            MachineLoop current;
            synchronized (lock) {
                current = loop;
            }
            RunEnd end;
            try {
                end = current.await();
            } catch (InterruptedException e) {
                end = new RunEnd.Stopped("the machine's supervisor was interrupted");
            }
            synchronized (lock) {
                current.close();
                if (end instanceof RunEnd.Power p && p.event() instanceof PowerEvent.Reboot && options.reboot && !stopRequested) {
                    try {
                        reboot();
                        reboots++;
                        options.log.accept("the guest rebooted the machine (reboot " + reboots + ")");
                        if (phase == Phase.RUNNING) {
                            loopStarted = true;
                            loop.start();
                        }
                        continue;
                    } catch (RuntimeException e) {
                        end = new RunEnd.KvmFailed(p.vcpu(), RunEnd.UNKNOWN_PC, new IllegalStateException("the reboot failed: " + e.getMessage(), e));
                    }
                }
                if (input != null) input.close();
                phase = Phase.ENDED;
                ended.complete(end);
                return;
            }
        }
    }

    /**
     * The machine as right after {@link #build}: vCPUs re-initialised (secondaries powered off again) and
     * their registers back to the post-init values, the vGIC to its post-init state, the UART to its boot
     * state, the virtio devices reset, RAM zeroed and the boot files and a new device tree (a new RNG seed)
     * loaded again.
     */
    private void reboot() {
        virtio.reset(); // before the vGIC: an interrupt a device raises while it stops is cleared with it
        for (ArmVcpu cpu : cpus) cpu.reset().orThrow();
        GicStateEngine.restore(vgic, vcpus, gicAtInit);
        uart.restore(uartAtBoot);
        RamReset.zero(ram);
        BootPlan plan = Boot.prepare(config, Boot.read(config, ram), vgic.version(), ram, virtio.nodes());
        setBootRegisters(vcpus.getFirst(), plan);
        loop = newLoop();
        loopStarted = false;
    }

    /**
     * An unmapped access stops the machine: a guest kvm4j boots should touch only what the device tree
     * describes, so such an access is a bug worth a clear message rather than an abort the guest may swallow.
     */
    private MachineLoop newLoop() { return new MachineLoop(vm, vcpus, mmio, UnmappedPolicy.STOP).debugHook(debugHook); }

    // ---- for a debugger (MachineDebugTarget): additive, the lifecycle above is unchanged ----

    /** Where KVM_EXIT_DEBUG goes, for this run and the runs after a reboot. */
    void debugHook(DebugHook hook) {
        synchronized (lock) {
            debugHook = hook;
            if (loop != null) loop.debugHook(hook);
        }
    }

    /** {@link #start()} with every vCPU parked before its first instruction; {@link #resume()} lets them go. */
    void startPaused() throws InterruptedException {
        synchronized (lock) {
            if (phase != Phase.BUILT) throw new IllegalStateException("the machine is " + phase + ", not BUILT: start it once");
            phase = Phase.PAUSED;
            loop = newLoop();
            loopStarted = true;
            loop.requestPause();
            options.timeline.mark(BootTimeline.FIRST_INSTRUCTION);
            loop.start();
            input = ConsoleInput.start(options.stdin, uart::receive);
            supervisor = Thread.ofPlatform().daemon().name("kvm4j-machine").start(this::supervise);
            loop.pause();
        }
    }

    /** {@link #pause()}, also when paused with one vCPU let out by {@link #resumeOnly}: returns once all are parked. */
    void pauseAll() throws InterruptedException {
        synchronized (lock) {
            if (phase != Phase.RUNNING && phase != Phase.PAUSED) return;
            if (loopStarted) loop.pause();
            phase = Phase.PAUSED;
        }
    }

    /** While paused: only vCPU {@code index} runs (a single step), the others stay parked. */
    void resumeOnly(int index) {
        synchronized (lock) {
            if (phase != Phase.PAUSED || !loopStarted) throw new IllegalStateException("the machine is " + phase + ", not PAUSED");
            loop.resumeOnly(index);
        }
    }

    Vm vm() { return vm; }

    Vgic vgic() { return vgic; }

    List<Vcpu> vcpus() { return vcpus; }

    GuestMemory ram() { return ram; }

    private static AddressRange uartRange() { return new AddressRange("PL011 UART", Layout.UART_BASE, Layout.UART_SIZE); }

    /** vCPU 0 boots; the others start powered off until the guest's PSCI CPU_ON, on the same target. */
    private static void createVcpus(Parts parts, MachineConfig config) {
        VcpuFeature[] features = config.aarch32()
                ? new VcpuFeature[] {VcpuFeature.PSCI_0_2, VcpuFeature.EL1_32BIT}
                : new VcpuFeature[] {VcpuFeature.PSCI_0_2};
        Vcpu first = parts.vm.createVcpu(0);
        parts.vcpus.add(first);
        VcpuInit boot = VcpuInit.initialise(parts.vm, first, features);
        parts.cpus.add(ArmVcpu.initialise(first, boot));
        EnumSet<VcpuFeature> secondary = EnumSet.copyOf(boot.features());
        secondary.add(VcpuFeature.POWER_OFF);
        VcpuInit parked = new VcpuInit(boot.target(), secondary);
        for (int i = 1; i < config.cpus(); i++) {
            Vcpu v = parts.vm.createVcpu(i);
            parts.vcpus.add(v);
            parts.cpus.add(ArmVcpu.initialise(v, parked));
        }
    }

    /** Addresses handed over only once the memory map is final, then initialised with the vCPUs. */
    private static void initialiseVgic(Vgic vgic, int cpus, long memory, int nrIrqs, List<Vcpu> vcpus) {
        GicVersion gic = vgic.version();
        GicLayout layout = gic == GicVersion.V2
                ? new GicLayout.V2(Layout.GIC_DIST_BASE, Layout.GIC_V2_CPU_BASE)
                : new GicLayout.V3(Layout.GIC_DIST_BASE, Layout.GIC_V3_REDIST_BASE, cpus);
        vgic.setAddresses(layout, List.of(new AddressRange("RAM", Layout.RAM_BASE, memory), uartRange(), VirtioSlots.window()));
        vgic.initialise(nrIrqs, vcpus);
    }

    /** The kernel's boot protocol: PC at the entry, x0..x3 (r0..r2 for AArch32) as the loader says. */
    private static void setBootRegisters(Vcpu vcpu, BootPlan plan) {
        vcpu.setOneReg(CoreRegister.PC.id(), plan.registers().pc());
        for (int n = 0; n < 4; n++) vcpu.setOneReg(CoreRegister.x(n).id(), plan.registers().gpr(n));
    }

    /** What a build or restore has made so far, closed in reverse if it fails half way. */
    private static final class Parts {
        final GuestMemory ram;
        Kvm kvm;
        Vm vm;
        Vgic vgic;
        final List<Vcpu> vcpus = new ArrayList<>();
        final List<ArmVcpu> cpus = new ArrayList<>();
        final List<VirtioDevice> devices = new ArrayList<>();
        VirtioSlots virtio;

        Parts(GuestMemory ram) { this.ram = ram; }

        /** Needs the vGIC initialised: the irqfds inject into its SPIs. */
        void attachVirtio(Options options) {
            List<VirtioDevice> taken = List.copyOf(devices);
            devices.clear();
            virtio = VirtioSlots.attach(vm, ram, taken, (device, line) -> options.log.accept(device + ": " + line));
        }

        Machine machine(Options options, MachineConfig config, SnapshotConfig shape, GicState atInit) {
            Machine m = new Machine(options, config, shape, ram, kvm, vm, vgic, vcpus, cpus, atInit);
            if (virtio != null) {
                m.virtio = virtio;
                virtio.addTo(m.mmio);
            }
            return m;
        }

        void close() {
            if (virtio != null) virtio.close();
            for (VirtioDevice d : devices) {
                try {
                    d.close();
                } catch (Exception ignored) {
                    // the build's own failure is the one to report
                }
            }
            if (vgic != null) vgic.close();
            vcpus.forEach(Vcpu::close);
            if (vm != null) vm.close();
            if (kvm != null) kvm.close();
            ram.close();
        }
    }
}
