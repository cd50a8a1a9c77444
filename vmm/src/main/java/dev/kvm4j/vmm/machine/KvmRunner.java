package dev.kvm4j.vmm.machine;

import dev.kvm4j.arm.gic.GicVersion;
import dev.kvm4j.kvm.GuestMemory;
import dev.kvm4j.vmm.Boot;
import dev.kvm4j.vmm.BootTimeline;
import dev.kvm4j.vmm.ConfigException;
import dev.kvm4j.vmm.Layout;
import dev.kvm4j.vmm.MachineConfig;
import dev.kvm4j.vmm.MachineRunner;
import dev.kvm4j.vmm.control.ControlServer;
import dev.kvm4j.vmm.fdt.DtbFile;
import dev.kvm4j.vmm.gdb.GdbOption;
import dev.kvm4j.vmm.gdb.GdbServer;
import dev.kvm4j.vmm.loader.BootFiles;
import dev.kvm4j.vmm.loader.BootPlan;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The command line's driver of a {@link Machine}: {@code kvm4j run} builds one (the files read into RAM
 * before /dev/kvm is opened) and {@code kvm4j restore} brings one back from a snapshot; either runs with
 * the console, Ctrl-C and the optional control socket until the guest or the user ends it, then says why.
 * {@code --check} and {@code --dump-dtb} stop before any VM; the host's KVM is reached only through
 * {@link HostKvm}, so an x86 host never opens its /dev/kvm for them.
 */
public final class KvmRunner implements MachineRunner {
    private final InputStream stdin;
    private final OutputStream console;
    private final PrintWriter out;
    private final HostKvm host;
    /** {@code --gdb} for the next {@link #run(MachineConfig, GdbOption)}, or null. */
    private GdbOption gdb;

    /**
     * A runner on this host's KVM.
     *
     * @param stdin   the user's keyboard, polled with {@code available()} (see {@link ConsoleInput})
     * @param console where the guest's console goes, through a bounded buffer (see {@link ConsoleOutput})
     * @param out     kvm4j's own lines
     */
    public KvmRunner(InputStream stdin, OutputStream console, PrintWriter out) {
        this(stdin, console, out, HostKvm.local());
    }

    /**
     * A runner on the given host (a fake one in tests).
     *
     * @param stdin   the user's keyboard
     * @param console where the guest's console goes
     * @param out     kvm4j's own lines
     * @param host    the host's KVM
     */
    public KvmRunner(InputStream stdin, OutputStream console, PrintWriter out, HostKvm host) {
        this.stdin = stdin;
        this.console = console;
        this.out = out;
        this.host = host;
    }

    @Override
    public int run(MachineConfig requested, GdbOption gdbOption) throws Exception {
        gdb = gdbOption;
        try {
            return run(requested);
        } finally {
            gdb = null;
        }
    }

    @Override
    public int run(MachineConfig requested) throws Exception {
        MachineConfig config = DefaultGuest.apply(requested);
        BootTimeline timeline = new BootTimeline();
        // The user's files are read and judged first, straight into guest RAM (an anonymous mapping, no
        // /dev/kvm needed): a bad kernel is reported even on a host without KVM.
        Boot.Loaded loaded = Boot.readIntoNewRam(config);
        GuestMemory ram = loaded.ram();
        BootFiles files = loaded.files();
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
        Boot.prepare(config, files, config.gic().orElse(GicVersion.V3), ram, VirtioSlots.nodes(VirtioDevices.count(config)));
        for (var d : VirtioDevices.open(config)) {
            try {
                d.close();
            } catch (Exception ignored) {
                // only whether it opens was in question
            }
        }
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
        BootPlan plan = Boot.prepare(config, files, gic, ram, VirtioSlots.nodes(VirtioDevices.count(config)));
        DtbFile.write(config.dumpDtb().get(), plan.dtbBlob());
        out.println("kvm4j: device tree (" + plan.dtbBlob().length + " bytes, " + Layout.gicName(gic) + ") written to "
                + config.dumpDtb().get());
        out.flush();
        return 0;
    }

    /** Boots the machine and drives it until it ends; the files already read are read again by the machine. */
    private int boot(MachineConfig config, BootFiles files, GuestMemory ram, BootTimeline timeline) throws Exception {
        Machine.Options options = options(config.verbose(), !config.noReboot(), timeline);
        try {
            VirtioDevices.open(config).forEach(options::add);
        } catch (Throwable t) {
            ram.close();
            throw t;
        }
        Machine machine = Machine.build(config, options, ram, files);
        return drive(machine, config.timings(), config.control(), timeline);
    }

    /** {@code kvm4j restore FILE}: the machine a snapshot holds, brought back and driven like a booted one. */
    @Override
    public int restore(Path file, boolean verbose, boolean noReboot, Optional<Path> control) throws Exception {
        BootTimeline timeline = new BootTimeline();
        long t0 = System.nanoTime();
        Machine machine = Machine.restore(file, options(verbose, !noReboot, timeline));
        if (verbose) out.printf("kvm4j: restored %s in %d ms%n", file, (System.nanoTime() - t0) / 1_000_000);
        out.flush();
        return drive(machine, false, control, timeline);
    }

    private Machine.Options options(boolean verbose, boolean reboot, BootTimeline timeline) {
        return Machine.options().console(console).input(stdin).host(host).reboot(reboot).timeline(timeline)
                .log(line -> {
                    if (verbose || line.contains("reboot") || line.startsWith("virtio")) {
                        out.println("kvm4j: " + line);
                        out.flush();
                    }
                });
    }

    /**
     * Runs the machine until the guest or the user ends it, with the control socket if asked for, then
     * shows the guest's last output and why it ended.
     */
    private int drive(Machine machine, boolean timings, Optional<Path> control, BootTimeline timeline) throws Exception {
        try (machine) {
            ControlServer server = control.isPresent() ? ControlServer.open(control.get(), new MachineControl(machine)) : null;
            try (UserStop userStop = UserStop.install(() -> {
                try {
                    machine.stop(Stop.BY_USER);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            })) {
                GdbServer gdbServer = gdb == null ? null : startWithGdb(machine, gdb);
                if (gdbServer == null) machine.start();
                Stop.Reason reason = Stop.of(machine.await());
                if (gdbServer != null) gdbServer.close();
                long dropped = machine.finishConsole();
                timeline.mark(BootTimeline.EXIT);
                out.println();
                out.println("kvm4j: " + reason.message());
                if (dropped > 0) {
                    out.println("kvm4j: " + dropped + " bytes of the guest's console output were dropped: the terminal did not take them in time");
                }
                if (timings) out.print(timeline.report());
                out.flush();
                return reason.exitStatus();
            } finally {
                if (server != null) server.close();
            }
        }
    }

    /**
     * {@code --gdb}: the machine starts with its vCPUs parked and the debugger attached; the server listens
     * before the first instruction. Without {@code --gdb-wait} the guest runs at once and gdb may attach later.
     * The server lives as long as the JVM's daemon threads: it ends with kvm4j.
     */
    private GdbServer startWithGdb(Machine machine, GdbOption option) throws Exception {
        MachineDebugTarget target = MachineDebugTarget.startPaused(machine);
        GdbServer server;
        try {
            server = GdbServer.start(option.address(), target);
        } catch (java.io.IOException e) {
            throw new ConfigException(e.getMessage() + "; pick another --gdb port");
        }
        out.println("kvm4j: gdb server on " + option.host() + ":" + server.port()
                + (option.waitForGdb() ? ", the guest waits for gdb to continue" : ""));
        out.flush();
        if (!option.waitForGdb()) target.resumeUnattended();
        return server;
    }
}
