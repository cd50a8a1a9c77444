package dev.kvm4j.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Boot to the default guest's userspace marker, kvm4j against QEMU as a KVM VMM, same kernel, initramfs,
 * command line, memory and vCPUs, alternating runs. Each time counts from process start (JVM start-up
 * included, as QEMU's own start-up is) to the marker on the console.
 *
 * Usage: BootRace GUEST_DIR [runs]
 */
public final class BootRace {
    private static final String MARKER = "KVM4J-USERSPACE-READY";
    private static final String APPEND = "console=ttyAMA0 quiet panic=-1";

    private BootRace() {}

    public static void main(String[] args) throws Exception {
        String guest = args.length > 0 ? args[0] : "guest";
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        String kernel = guest + "/Image", initrd = guest + "/initramfs-arm64.cpio.gz";
        List<String> kvm4j = kvm4j(kernel, initrd, null);
        String aot = System.getenv("KVM4J_AOT_CACHE");
        List<String> qemu = List.of("qemu-system-aarch64", "-M", "virt,gic-version=host", "-accel", "kvm", "-cpu", "host",
                "-m", "256", "-smp", "1", "-nographic", "-no-reboot", "-nic", "none", "-kernel", kernel, "-initrd", initrd,
                "-append", APPEND);
        List<Double> k = new ArrayList<>(), q = new ArrayList<>(), a = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            k.add(timeToMarker(kvm4j));
            q.add(timeToMarker(qemu));
            if (aot != null) a.add(timeToMarker(kvm4j(kernel, initrd, aot)));
        }
        double km = Bench.median(k), qm = Bench.median(q);
        System.out.printf(Locale.ROOT, "boot to userspace: kvm4j %.0f ms, QEMU %.0f ms, ratio %.2f%n", km, qm, km / qm);
        if (aot != null) {
            double am = Bench.median(a);
            System.out.printf(Locale.ROOT, "boot to userspace, kvm4j with a JDK AOT cache: kvm4j %.0f ms, QEMU %.0f ms, ratio %.2f%n", am, qm, am / qm);
        }
        System.out.printf(Locale.ROOT, "boot to userspace runs (ms): kvm4j %s, QEMU %s%s%n", k, q, aot == null ? "" : ", kvm4j+AOT " + a);
    }

    /** kvm4j's command line; {@code aotCache} (JDK 25, JEP 483/514) pre-links the classes a boot loads. */
    static List<String> kvm4j(String kernel, String initrd, String aotCache) {
        List<String> c = new ArrayList<>(List.of("java", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
        if (aotCache != null) c.addAll(List.of("-XX:AOTCache=" + aotCache, "-Xlog:aot=off", "-Xlog:cds=off"));
        c.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-cp", "lib/*", "dev.kvm4j.vmm.cli.Main", "run",
                "--kernel", kernel, "--initrd", initrd, "--memory", "256M", "--append", APPEND));
        return c;
    }

    /** Milliseconds from start to the marker line; the process is then left to power off by itself. */
    static double timeToMarker(List<String> command) throws Exception {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        double ms = -1;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            StringBuilder tail = new StringBuilder();
            while ((line = r.readLine()) != null) {
                if (ms < 0 && line.contains(MARKER)) ms = (System.nanoTime() - t0) / 1e6;
                tail.append(line).append('\n');
                if (tail.length() > 4000) tail.delete(0, tail.length() - 4000);
            }
            if (!p.waitFor(5, TimeUnit.MINUTES)) p.destroyForcibly();
            if (ms < 0) throw new IllegalStateException(command.get(0) + " never reached the marker; its output ends:\n" + tail);
        }
        return ms;
    }
}
