package dev.kvm4j.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Boot to the default guest's userspace marker, kvm4j against QEMU as a KVM VMM: same kernel, initramfs,
 * command line, memory (256 MiB) and vCPUs (1). Runs alternate kvm4j, QEMU (and kvm4j with a JDK AOT cache
 * when KVM4J_AOT_CACHE names one), after one discarded warm-up round; each time counts from process start
 * (JVM start-up included, as QEMU's own start-up is) to the marker on the console. Then one more run of
 * each with the kernel's log on shows where the time goes.
 *
 * Usage: BootRace GUEST_DIR [pairs] [OUT_DIR for the two boot logs]
 */
public final class BootRace {
    static final String APPEND = "console=ttyAMA0 quiet panic=-1";
    /** The breakdown's command line: the kernel's log with printk times, the rest as in the race. */
    static final String APPEND_LOG = "console=ttyAMA0 panic=-1 printk.time=1";

    private BootRace() {}

    public static void main(String[] args) throws Exception {
        String guest = args.length > 0 ? args[0] : "guest";
        int pairs = args.length > 1 ? Integer.parseInt(args[1]) : Pairs.MIN_PAIRS;
        Path out = args.length > 2 ? Path.of(args[2]) : null;
        String kernel = guest + "/Image", initrd = guest + "/initramfs-arm64.cpio.gz";
        String aot = System.getenv("KVM4J_AOT_CACHE");

        // Each round: kvm4j, QEMU, kvm4j+AOT; the AOT line's pairs share the round's QEMU run.
        double[] k = new double[pairs], q = new double[pairs], a = new double[pairs];
        for (int i = -1; i < pairs; i++) {
            double kt = ConsoleRecord.run(kvm4j(kernel, initrd, null, APPEND, false)).at(ConsoleRecord.MARKER);
            double qt = ConsoleRecord.run(qemu(kernel, initrd, APPEND, false)).at(ConsoleRecord.MARKER);
            double at = aot == null ? 0 : ConsoleRecord.run(kvm4j(kernel, initrd, aot, APPEND, false)).at(ConsoleRecord.MARKER);
            if (i < 0) continue; // warm-up round: page cache, the JVM's CDS archive mapped once
            k[i] = kt;
            q[i] = qt;
            a[i] = at;
        }
        System.out.println(new Pairs.Result("boot to userspace", "QEMU", "ms", k, q).line());
        if (aot != null) System.out.println(new Pairs.Result("boot to userspace, kvm4j with a JDK AOT cache", "QEMU", "ms", a, q).line());
        System.out.printf(Locale.ROOT, "boot to userspace runs (ms): kvm4j %s, QEMU %s%s%n", list(k), list(q), aot == null ? "" : ", kvm4j+AOT " + list(a));

        BootBreakdown kb = new BootBreakdown("kvm4j", ConsoleRecord.run(kvm4j(kernel, initrd, null, APPEND_LOG, true)));
        BootBreakdown qb = new BootBreakdown("QEMU", ConsoleRecord.run(qemu(kernel, initrd, APPEND_LOG, true)));
        kb.print();
        qb.print();
        System.out.println("kernel subsystems only QEMU's virt board makes the kernel print (probe): " + BootBreakdown.onlyIn(qb, kb));
        System.out.println("kernel subsystems only kvm4j's machine makes the kernel print: " + BootBreakdown.onlyIn(kb, qb));
        if (out != null) {
            Files.createDirectories(out);
            Files.writeString(out.resolve("boot-kvm4j.log"), kb.log());
            Files.writeString(out.resolve("boot-qemu.log"), qb.log());
        }
    }

    /** kvm4j's command line; {@code aotCache} (JDK 25, JEP 483/514) pre-links the classes a boot loads. */
    static List<String> kvm4j(String kernel, String initrd, String aotCache, String append, boolean timings) {
        List<String> c = new ArrayList<>(List.of("java", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
        if (aotCache != null) c.addAll(List.of("-XX:AOTCache=" + aotCache, "-Xlog:aot=off", "-Xlog:cds=off"));
        c.addAll(List.of("--module-path", "modules", "--enable-native-access=dev.kvm4j.kvm", "-m", "dev.kvm4j.vmm/dev.kvm4j.vmm.cli.Main", "run",
                "--kernel", kernel, "--initrd", initrd, "--memory", "256M", "--append", append));
        if (timings) c.add("--timings");
        return c;
    }

    /** QEMU's; {@code trace} adds the two trace events that mark VM set-up and the first vCPU run. */
    static List<String> qemu(String kernel, String initrd, String append, boolean trace) {
        List<String> c = new ArrayList<>(List.of("qemu-system-aarch64", "-M", "virt,gic-version=host", "-accel", "kvm", "-cpu", "host",
                "-m", "256", "-smp", "1", "-nographic", "-no-reboot", "-nic", "none", "-kernel", kernel, "-initrd", initrd,
                "-append", append));
        if (trace) c.addAll(List.of("-trace", "kvm_init_vcpu", "-trace", "kvm_cpu_exec"));
        return c;
    }

    private static String list(double[] xs) {
        List<String> s = new ArrayList<>();
        for (double x : xs) s.add(String.format(Locale.ROOT, "%.0f", x));
        return s.toString();
    }
}
