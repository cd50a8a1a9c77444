package dev.kvm4j.vmm.cli;

import dev.kvm4j.kvm.GuestMemory;
import dev.kvm4j.vmm.Boot;
import dev.kvm4j.vmm.BootTimeline;
import dev.kvm4j.vmm.ConfigException;
import dev.kvm4j.arm.gic.GicVersion;
import dev.kvm4j.vmm.Layout;
import dev.kvm4j.vmm.MachineConfig;
import dev.kvm4j.vmm.MachineRunner;
import dev.kvm4j.vmm.Sizes;
import dev.kvm4j.vmm.fdt.DtbFile;
import dev.kvm4j.vmm.loader.BootPlan;

import java.io.PrintWriter;

/**
 * The runner until the arm layer is wired in: does everything up to creating the VM (check the files,
 * place them in RAM, build the device tree; --dump-dtb works fully) and then says booting is not there yet.
 * "auto" GIC means v3 here, since there is no KVM to ask.
 */
public final class PrepareOnlyRunner implements MachineRunner {
    public static final int NOT_WIRED = 1;

    private final PrintWriter out;
    private final PrintWriter err;

    public PrepareOnlyRunner(PrintWriter out, PrintWriter err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public int run(MachineConfig config) {
        if (config.kernel().isEmpty()) throw new ConfigException("no --kernel given, and the default guest is not wired in yet");
        BootTimeline timeline = new BootTimeline();
        GicVersion gic = config.gic().orElse(GicVersion.V3);
        try (GuestMemory ram = GuestMemory.allocate(Layout.RAM_BASE, config.memory())) {
            BootPlan plan = Boot.prepare(config, gic, ram);
            timeline.mark(BootTimeline.LOADED);
            if (config.verbose()) out.println("kvm4j: " + describe(plan, gic));
            if (config.dumpDtb().isPresent()) {
                DtbFile.write(config.dumpDtb().get(), plan.dtbBlob());
                out.println("kvm4j: device tree (" + plan.dtbBlob().length + " bytes) written to " + config.dumpDtb().get());
                return 0;
            }
            if (config.timings()) out.print(timeline.report());
            err.println("kvm4j: kernel, initrd and device tree are ready; booting needs the arm layer (not yet wired)");
            return NOT_WIRED;
        } finally {
            out.flush();
            err.flush();
        }
    }

    static String describe(BootPlan plan, GicVersion gic) {
        StringBuilder sb = new StringBuilder();
        sb.append(plan.state()).append(" kernel ").append(plan.kernel()).append(String.format(", entry 0x%x", plan.entry()));
        plan.initrd().ifPresent(r -> sb.append(", initrd ").append(r).append(" (").append(Sizes.format(r.size())).append(')'));
        sb.append(", device tree ").append(plan.dtb()).append(" (").append(dev.kvm4j.vmm.Layout.gicName(gic)).append(')');
        return sb.toString();
    }
}
