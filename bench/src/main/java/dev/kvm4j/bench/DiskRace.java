package dev.kvm4j.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * virtio-blk read speed, kvm4j against QEMU, from inside the same guest: guests/rootfs-build's Debian root
 * image (a fresh copy per boot) with its kernel and initramfs, 512 MiB, 1 vCPU, the disk on virtio-mmio in
 * both (QEMU: {@code virtio-blk-device}, a raw file, its default cache). The kernel command line's
 * {@code kvm4j.bench} makes the guest's init run {@code kvm4j-diskbench} and power off: coreutils {@code dd}
 * reads 64 MiB of /dev/vda sequentially with O_DIRECT in 1 MiB blocks, then {@code randread} (a static C
 * program in the image) does 4 KiB O_DIRECT random reads at queue depth 1 for 5 s. The figures are the guest's
 * own (dd's bytes and seconds; randread's reads and seconds). kvm4j and QEMU alternate, after one discarded
 * warm-up pair (which also brings the image into the host's page cache for both).
 *
 * Usage: DiskRace DEBIAN_DIR [pairs] [WORK_DIR]
 */
public final class DiskRace {
    static final String APPEND = "console=ttyAMA0 root=/dev/vda quiet panic=-1 kvm4j.bench";
    static final long BOOT_MS = 400_000;
    private static final Pattern SEQ = Pattern.compile("KVM4J-SEQ (\\d+) bytes .* copied, ([0-9.]+) s");
    private static final Pattern RAND = Pattern.compile("KVM4J-RANDREAD reads=(\\d+) seconds=([0-9.]+)");

    private DiskRace() {}

    /** One boot's figures: MB/s (10^6 bytes) and IOPS, and what the sequential read cost the guest (its KVM4J-IOSTAT). */
    record Figures(double seqMBs, double iops, String ioStat) { }

    public static void main(String[] args) throws Exception {
        Path debian = Path.of(args.length > 0 ? args[0] : "guest/debian");
        int pairs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path work = Path.of(args.length > 2 ? args[2] : "/tmp/disk-race");
        Files.createDirectories(work);
        double[] ks = new double[pairs], qs = new double[pairs], kr = new double[pairs], qr = new double[pairs];
        for (int i = -1; i < pairs; i++) {
            Figures k = run(kvm4j(debian, image(debian, work, "kvm4j.img")));
            Figures q = run(qemu(debian, image(debian, work, "qemu.img")));
            System.out.printf(Locale.ROOT, "round %d%s: sequential kvm4j %.1f MB/s, QEMU %.1f MB/s; random 4K kvm4j %.0f IOPS, QEMU %.0f IOPS%n",
                    i + 1, i < 0 ? " (warm-up)" : "", k.seqMBs, q.seqMBs, k.iops, q.iops);
            System.out.println("  guest's view: kvm4j" + k.ioStat + "; QEMU" + q.ioStat);
            System.out.flush();
            if (i < 0) continue;
            ks[i] = k.seqMBs; qs[i] = q.seqMBs; kr[i] = k.iops; qr[i] = q.iops;
        }
        System.out.println(new Pairs.Result("disk sequential read", "QEMU", "MB/s", ks, qs).line());
        System.out.println(new Pairs.Result("disk random read 4K", "QEMU", "IOPS", kr, qr).line());
    }

    private static Path image(Path debian, Path work, String name) throws Exception {
        return Files.copy(debian.resolve("debian.img"), work.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    }

    static List<String> kvm4j(Path debian, Path disk) {
        return List.of("java", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED", "-cp", "lib/*",
                "dev.kvm4j.vmm.cli.Main", "run", "--kernel", debian.resolve("Image").toString(),
                "--initrd", debian.resolve("initrd-debian.cpio.gz").toString(), "--disk", disk.toString(),
                "--memory", "512M", "--cpus", "1", "--append", APPEND);
    }

    static List<String> qemu(Path debian, Path disk) {
        return new ArrayList<>(List.of("qemu-system-aarch64", "-M", "virt,gic-version=host", "-accel", "kvm", "-cpu", "host",
                "-m", "512", "-smp", "1", "-display", "none", "-serial", "stdio", "-monitor", "none", "-no-reboot", "-nic", "none",
                "-kernel", debian.resolve("Image").toString(), "-initrd", debian.resolve("initrd-debian.cpio.gz").toString(),
                "-append", APPEND, "-drive", "file=" + disk + ",format=raw,if=none,id=vda", "-device", "virtio-blk-device,drive=vda"));
    }

    static Figures run(List<String> command) throws Exception {
        try (LiveVmm vm = new LiveVmm(command)) {
            vm.awaitLine("KVM4J-DISKBENCH-END", BOOT_MS);
            Matcher seq = SEQ.matcher(String.valueOf(vm.lineWith("KVM4J-SEQ")));
            Matcher rand = RAND.matcher(String.valueOf(vm.lineWith("KVM4J-RANDREAD")));
            if (!seq.find() || !rand.find()) throw new IllegalStateException(command.getFirst() + ": no figures in the guest's output:\n" + vm.tail());
            return new Figures(Long.parseLong(seq.group(1)) / 1e6 / Double.parseDouble(seq.group(2)),
                    Long.parseLong(rand.group(1)) / Double.parseDouble(rand.group(2)), ioStat(vm.lineWith("KVM4J-IOSTAT ")) + ioStat(vm.lineWith("KVM4J-GUESTCPU ")));
        }
    }

    /** The fields of the guest's KVM4J-IOSTAT or KVM4J-GUESTCPU line, after a space (none from an older image). */
    static String ioStat(String line) {
        if (line == null) return "";
        return " " + line.substring(line.indexOf(' ', line.indexOf("KVM4J-")) + 1).strip();
    }
}
