package dev.kvm4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Snapshot save and restore, kvm4j against QEMU's migration to a file, on the same guest: the default
 * kernel and initramfs with 512 MiB and 2 vCPUs, booted to the userspace marker and left in its shell.
 * <ul>
 * <li>save: kvm4j's control command {@code snapshot FILE} (pause, write, fsync, rename, resume), from the
 *     command sent to the {@code ok} answer; QEMU over QMP: {@code stop}, {@code migrate "exec:cat > FILE"},
 *     {@code query-migrate} polled until {@code completed} (no fsync; the VM stays stopped).</li>
 * <li>restore: from process start (JVM start-up included, as QEMU's own is) until the machine says it runs:
 *     kvm4j's {@code restore FILE --control S} polled with {@code status} until {@code running}; QEMU with
 *     {@code -incoming "exec:cat FILE"} polled with {@code query-status} until {@code running}. Both are the
 *     moment the vCPUs are let go, i.e. just before the first guest instruction. kvm4j runs with
 *     {@code --verbose} for its "restored FILE in N ms" line, which splits its figure.</li>
 * </ul>
 * A round is kvm4j save, QEMU save, kvm4j restore, QEMU restore, after one discarded warm-up round. Each
 * round boots both guests, so rounds are slow under emulation: few pairs.
 *
 * Usage: SnapshotRace GUEST_DIR [pairs] [WORK_DIR]
 */
public final class SnapshotRace {
    static final String APPEND = "console=ttyAMA0 quiet panic=-1 kvm4j.shell";
    static final long BOOT_MS = 180_000, POLL_MS = 120_000;

    private SnapshotRace() {}

    public static void main(String[] args) throws Exception {
        String guest = args.length > 0 ? args[0] : "guest";
        int pairs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path work = Path.of(args.length > 2 ? args[2] : "/tmp/snapshot-race");
        Files.createDirectories(work);
        String kernel = guest + "/Image", initrd = guest + "/initramfs-arm64.cpio.gz";
        double[] ks = new double[pairs], qs = new double[pairs], kr = new double[pairs], qr = new double[pairs];
        long kBytes = 0, qBytes = 0;
        List<String> inside = new ArrayList<>();
        for (int i = -1; i < pairs; i++) {
            Path kSnap = work.resolve("kvm4j.snap"), qSnap = work.resolve("qemu.mig");
            Files.deleteIfExists(kSnap);
            Files.deleteIfExists(qSnap);
            double a = kvm4jSave(kernel, initrd, kSnap, work);
            double b = qemuSave(kernel, initrd, qSnap, work);
            double c = kvm4jRestore(kSnap, work, inside);
            double d = qemuRestore(kernel, initrd, qSnap, work);
            System.out.printf(Locale.ROOT, "round %d%s: save kvm4j %.0f ms, QEMU %.0f ms; restore kvm4j %.0f ms, QEMU %.0f ms%n",
                    i + 1, i < 0 ? " (warm-up)" : "", a, b, c, d);
            System.out.flush();
            if (i < 0) {
                inside.clear();
                continue;
            }
            ks[i] = a; qs[i] = b; kr[i] = c; qr[i] = d;
            kBytes = Files.size(kSnap);
            qBytes = Files.size(qSnap);
        }
        System.out.println(new Pairs.Result("snapshot save", "QEMU", "ms", ks, qs).line());
        System.out.println(new Pairs.Result("snapshot restore", "QEMU", "ms", kr, qr).line());
        System.out.println("kvm4j restore, of which Machine.restore (file read and checked, state into KVM; kvm4j -v): " + inside
                + " ms; the rest is JVM start-up and the CLI");
        if (lastSplit != null) System.out.println("kvm4j Machine.restore, last round: " + lastSplit);
        System.out.printf(Locale.ROOT, "snapshot files: kvm4j %.1f MB, QEMU migration stream %.1f MB (512 MiB guest, 2 vCPUs)%n",
                kBytes / 1e6, qBytes / 1e6);
    }

    static List<String> kvm4j(String... args) {
        // ./kvm4j's own launch line in the rig: with the JDK AOT cache bench/run passes (KVM4J_AOT_OPTS), as a user's
        // restore starts; without it every class of the restore path is loaded, linked and interpreted cold.
        List<String> c = new ArrayList<>(List.of("java", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
        String aot = System.getenv("KVM4J_AOT_OPTS");
        if (aot != null && !aot.isBlank()) c.addAll(List.of(aot.trim().split("\\s+")));
        c.addAll(List.of("--module-path", "modules", "--enable-native-access=dev.kvm4j.kvm", "-m", "dev.kvm4j.vmm/dev.kvm4j.vmm.cli.Main"));
        c.addAll(List.of(args));
        return c;
    }

    static List<String> qemu(String kernel, String initrd, Path qmp, String... extra) {
        List<String> c = new ArrayList<>(List.of("qemu-system-aarch64", "-M", "virt,gic-version=host", "-accel", "kvm", "-cpu", "host",
                "-m", "512", "-smp", "2", "-display", "none", "-serial", "stdio", "-monitor", "none", "-no-reboot", "-nic", "none",
                "-kernel", kernel, "-initrd", initrd, "-append", APPEND, "-qmp", "unix:" + qmp + ",server=on,wait=off"));
        c.addAll(List.of(extra));
        return c;
    }

    static double kvm4jSave(String kernel, String initrd, Path snap, Path work) throws Exception {
        Path sock = fresh(work.resolve("kvm4j.sock"));
        try (LiveVmm vm = new LiveVmm(kvm4j("run", "--kernel", kernel, "--initrd", initrd, "--memory", "512M", "--cpus", "2",
                "--append", APPEND, "--control", sock.toString()))) {
            vm.awaitLine(ConsoleRecord.MARKER, BOOT_MS);
            try (LineSocket s = LineSocket.connect(sock, BOOT_MS)) {
                long t0 = System.nanoTime();
                s.send("snapshot " + snap);
                String answer = s.readLine();
                double ms = (System.nanoTime() - t0) / 1e6;
                if (!answer.startsWith("ok")) throw new IllegalStateException("kvm4j snapshot: " + answer);
                return ms;
            }
        }
    }

    /** The last restore's split of Machine.restore (kvm4j -v), printed with the figures. */
    private static String lastSplit;

    static double kvm4jRestore(Path snap, Path work, List<String> inside) throws Exception {
        Path sock = fresh(work.resolve("kvm4j-restore.sock"));
        try (LiveVmm vm = new LiveVmm(kvm4j("restore", snap.toString(), "--control", sock.toString(), "--verbose"))) {
            long end = System.currentTimeMillis() + POLL_MS;
            while (true) {
                try (LineSocket s = LineSocket.connect(sock, POLL_MS)) {
                    s.send("status");
                    String answer = s.readLine();
                    if (answer.contains("running")) {
                        double ms = vm.sinceStart();
                        String l = vm.lineWith("kvm4j: restored ");   // "kvm4j: restored FILE in N ms"
                        if (l != null) inside.add(l.replaceAll(".* in (\\d+) ms.*", "$1"));
                        String split = vm.lineWith("restore: file read");   // kvm4j -v: where Machine.restore's time went
                        if (split != null) lastSplit = split.replaceAll(".*restore: ", "");
                        return ms;
                    }
                    if (answer.startsWith("error") || answer.contains("ended")) throw new IllegalStateException("kvm4j restore: " + answer + "\n" + vm.tail());
                }
                if (System.currentTimeMillis() > end) throw new IllegalStateException("kvm4j restore never running:\n" + vm.tail());
                Thread.sleep(2);
            }
        }
    }

    static double qemuSave(String kernel, String initrd, Path file, Path work) throws Exception {
        Path qmp = fresh(work.resolve("qemu.qmp"));
        try (LiveVmm vm = new LiveVmm(qemu(kernel, initrd, qmp))) {
            vm.awaitLine(ConsoleRecord.MARKER, BOOT_MS);
            try (LineSocket s = qmp(qmp)) {
                long t0 = System.nanoTime();
                execute(s, "{\"execute\":\"stop\"}");
                execute(s, "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"exec:cat > " + file + "\"}}");
                while (true) {
                    String r = execute(s, "{\"execute\":\"query-migrate\"}");
                    if (r.contains("\"completed\"")) return (System.nanoTime() - t0) / 1e6;
                    if (r.contains("\"failed\"") || r.contains("\"cancelled\"")) throw new IllegalStateException("QEMU migrate: " + r);
                    Thread.sleep(2);
                }
            }
        }
    }

    static double qemuRestore(String kernel, String initrd, Path file, Path work) throws Exception {
        Path qmp = fresh(work.resolve("qemu-restore.qmp"));
        try (LiveVmm vm = new LiveVmm(qemu(kernel, initrd, qmp, "-incoming", "exec:cat " + file))) {
            try (LineSocket s = qmp(qmp)) {
                long end = System.currentTimeMillis() + POLL_MS;
                while (true) {
                    String r = execute(s, "{\"execute\":\"query-status\"}");
                    if (r.contains("\"running\"")) return vm.sinceStart();
                    if (System.currentTimeMillis() > end) throw new IllegalStateException("QEMU restore never running: " + r + "\n" + vm.tail());
                    Thread.sleep(2);
                }
            }
        }
    }

    private static LineSocket qmp(Path socket) throws Exception {
        LineSocket s = LineSocket.connect(socket, BOOT_MS);
        s.readLine(); // greeting
        execute(s, "{\"execute\":\"qmp_capabilities\"}");
        return s;
    }

    /** Sends one QMP command and returns its answer line, skipping asynchronous events. */
    private static String execute(LineSocket s, String json) throws IOException {
        s.send(json);
        while (true) {
            String l = s.readLine();
            if (l.startsWith("{\"return\"")) return l;
            if (l.startsWith("{\"error\"")) throw new IOException("QMP " + json + ": " + l);
        }
    }

    private static Path fresh(Path p) throws IOException {
        Files.deleteIfExists(p);
        return p;
    }
}
