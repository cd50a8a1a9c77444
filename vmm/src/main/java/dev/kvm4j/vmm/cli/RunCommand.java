package dev.kvm4j.vmm.cli;

import dev.kvm4j.arm.gic.GicVersion;
import dev.kvm4j.vmm.DiskOption;
import dev.kvm4j.vmm.MachineConfig;
import dev.kvm4j.vmm.ConfigException;
import dev.kvm4j.vmm.MachineRunner;
import dev.kvm4j.vmm.gdb.GdbOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code kvm4j run}: turns options into a checked {@link MachineConfig} and hands it to the runner. */
@Command(name = "run", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Boot Linux in a small virt-style ARM machine: RAM at 1 GiB, N vCPUs, in-kernel GIC, "
                + "architected timer, PSCI and a PL011 console on the terminal (ttyAMA0).",
                "Without --kernel, boots the project's default guest."},
        footerHeading = "%nExamples:%n",
        footer = {
                "  kvm4j run",
                "  kvm4j run --kernel Image --initrd initramfs.cpio.gz --cpus 2 --memory 1G",
                "  kvm4j run --kernel vmlinuz --append \"console=ttyAMA0 rdinit=/bin/sh\"",
                "  kvm4j run --aarch32 --kernel vmlinuz-armmp --initrd initrd.img --gic v2",
                "  kvm4j run --kernel Image --initrd initrd.img --disk debian.img --disk data.img,ro --rng",
                "  kvm4j run --kernel Image --dump-dtb virt.dtb && dtc -I dtb -O dts virt.dtb",
                "  kvm4j run --kernel Image --initrd initrd.img --check",
                "  kvm4j run --cpus 2 --gdb tcp::1234 --gdb-wait   (then: gdb-multiarch -ex 'target remote :1234')",
                "  kvm4j run --cpus 2 --control /tmp/vm.sock   (then: echo 'snapshot vm.snap' | socat - UNIX:/tmp/vm.sock)"})
public final class RunCommand implements Callable<Integer> {
    private final MachineRunner runner;

    @Option(names = "--kernel", paramLabel = "FILE",
            description = "arm64 Image (plain or gzip'ed, like Debian's vmlinuz); with --aarch32, an ARM zImage.")
    Path kernel;

    @Option(names = "--initrd", paramLabel = "FILE", description = "Initial ramdisk, passed to the kernel as is.")
    Path initrd;

    @Option(names = "--append", paramLabel = "CMDLINE", defaultValue = MachineConfig.DEFAULT_APPEND,
            description = "Kernel command line (default: ${DEFAULT-VALUE}).")
    String append;

    @Option(names = "--cpus", paramLabel = "N", defaultValue = "1", description = "Number of vCPUs (default: ${DEFAULT-VALUE}).")
    int cpus;

    @Option(names = "--memory", paramLabel = "SIZE", defaultValue = "512M", converter = SizeConverter.class,
            description = "Guest RAM, e.g. 512M or 2G (default: ${DEFAULT-VALUE}).")
    long memory;

    @Option(names = "--gic", paramLabel = "auto|v2|v3", defaultValue = "auto", converter = GicConverter.class,
            description = "Interrupt controller; auto takes GICv3 if KVM offers it (default: auto).")
    GicVersion gic;

    @Option(names = "--aarch32", description = "Boot a 32-bit ARM kernel (zImage) on 32-bit EL1 vCPUs.")
    boolean aarch32;

    @Option(names = "--dump-dtb", paramLabel = "FILE", description = "Write the machine's device tree blob to FILE and exit.")
    Path dumpDtb;

    @Option(names = "--check", description = {"Judge the options and files (kernel, initrd, device tree) and exit: no VM "
            + "is started and /dev/kvm is not opened. Silent with status 0 when all is well; one line and status 2 otherwise."})
    boolean check;

    @Mixin
    SessionOptions session = new SessionOptions();

    @Option(names = "--disk", paramLabel = "PATH[,ro]", description = {"A raw disk image as a virtio disk; repeat for more "
            + "(vda, vdb ... in order). ',ro': the guest cannot write it. An image another kvm4j has open read-write is refused."})
    List<String> disks = new ArrayList<>();

    @Option(names = "--rng", description = "A virtio entropy device (/dev/hwrng in the guest), fed from the host's getrandom.")
    boolean rng;

    @Option(names = "--gdb", paramLabel = "tcp:[HOST]:PORT", description = {"Serve the GDB remote protocol on this "
            + "TCP address (host 127.0.0.1 when left out): vCPUs are gdb's threads; breakpoints, watchpoints, stepping, Ctrl-C."})
    String gdb;

    @Option(names = "--gdb-wait", description = "With --gdb: keep every vCPU before its first instruction until gdb connects and continues.")
    boolean gdbWait;

    @Option(names = "--timings", description = "Print the boot timeline (load, VM created, first instruction, first console byte, exit).")
    boolean timings;

    public RunCommand(MachineRunner runner) {
        this.runner = runner;
    }

    @Override
    public Integer call() throws Exception {
        GdbOption g = gdbOption();
        return g == null ? runner.run(config()) : runner.run(config(), g);
    }

    GdbOption gdbOption() {
        if (gdb == null) {
            if (gdbWait) throw new ConfigException("--gdb-wait needs --gdb tcp::PORT to say where gdb connects");
            return null;
        }
        try {
            return GdbOption.parse(gdb, gdbWait);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    MachineConfig config() {
        return MachineConfig.builder().kernel(kernel).initrd(initrd).append(append).cpus(cpus).memory(memory).gic(gic)
                .aarch32(aarch32).dumpDtb(dumpDtb).timings(timings).verbose(session.verbose).check(check)
                .noReboot(session.noReboot).control(session.control).disks(disks.stream().map(DiskOption::parse).toList()).rng(rng).build();
    }
}
