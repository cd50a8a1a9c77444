package dev.kvm4j.vmm.machine;

import dev.kvm4j.arm.psci.PowerEvent;
import dev.kvm4j.arm.run.RunEnd;
import dev.kvm4j.kvm.testing.RealKvm;
import dev.kvm4j.vmm.MachineConfig;
import dev.kvm4j.vmm.virtio.VirtioBlock;
import dev.kvm4j.vmm.virtio.VirtioRng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Debian's kernel boots kvm4j's Debian root image (guests/rootfs-build) from a virtio disk, root=/dev/vda: a
 * file written in one boot is there after the guest reboots the machine and in a new machine, and the image's own e2fsck -n finds it clean afterwards.
 */
@RealKvm(arch = "aarch64")
@Timeout(value = 20, unit = TimeUnit.MINUTES)
class DebianRootKvmTest {
    private static final Duration BOOT = Duration.ofMinutes(5), ANSWER = GuestConsole.ANSWER;

    @TempDir
    Path dir;

    /** KVM4J_DEBIAN_ROOT, or the default guest's debian/ directory: debian.img, initrd-debian.cpio.gz, Image. */
    static Path rootFile(String file) {
        String d = System.getenv("KVM4J_DEBIAN_ROOT");
        if (d == null && System.getenv("KVM4J_DEFAULT_GUEST") != null) d = System.getenv("KVM4J_DEFAULT_GUEST") + "/debian";
        assumeTrue(d != null, "neither KVM4J_DEBIAN_ROOT nor KVM4J_DEFAULT_GUEST is set: no Debian root image for this run");
        Path p = Path.of(d, file);
        assumeTrue(Files.isRegularFile(p), p + " is missing (guests/rootfs-build makes it)");
        return p;
    }



    private static MachineConfig config(String append) {
        return MachineConfig.builder().kernel(rootFile("Image")).initrd(rootFile("initrd-debian.cpio.gz"))
                .cpus(2).memory(256L << 20).append("console=ttyAMA0 quiet root=/dev/vda " + append).build();
    }

    static Machine shell(Path disk, GuestConsole console) throws Exception {
        Machine m = Machine.builder(config("kvm4j.shell")).console(console).add(VirtioBlock.open(disk, false)).add(new VirtioRng()).build();
        m.start();
        assertTrue(console.await("KVM4J-DEBIAN-READY", BOOT), "the Debian root did not come up; console:\n" + console.text());
        assertTrue(console.await("Type 'poweroff'", ANSWER), console.text());
        Thread.sleep(500);
        return m;
    }


    static void powerOff(Machine m, GuestConsole console) throws InterruptedException {
        GuestConsole.type(m, "poweroff");
        RunEnd end = m.await(ANSWER).orElseThrow(() -> new AssertionError("no power-off; console:\n" + console.text()));
        assertInstanceOf(PowerEvent.PowerOff.class, assertInstanceOf(RunEnd.Power.class, end).event(), end.message());
    }

    @Test
    void aFileWrittenInOneBootIsThereInTheNextAndTheImageIsClean() throws Exception {
        Path disk = dir.resolve("debian.img");
        Files.copy(rootFile("debian.img"), disk);
        String token = "kvm4j-" + UUID.randomUUID();

        // Boot, write, reboot in place (the machine's reboot: devices reset, the guest probes them again), read.
        GuestConsole console = new GuestConsole();
        try (Machine m = shell(disk, console)) {
            String root = console.ask(m, "awk '$2 == \"/\" {print $1, $3, $4}' /proc/mounts; cat /etc/debian_version", "root");
            assertTrue(root.contains("/dev/vda ext4 rw"), "root is not /dev/vda, ext4, read-write:\n" + root);
            assertTrue(Pattern.compile("(?m)^1[3-9]").matcher(root).find() || root.contains("trixie"), "not Debian 13:\n" + root);
            String wrote = console.ask(m, "echo " + token + " > /root/persisted && sync && echo WROTE", "write");
            assertTrue(wrote.contains("WROTE"), wrote);
            GuestConsole.type(m, "reboot");
            assertTrue(console.awaitCount("KVM4J-DEBIAN-READY", 2, BOOT), "no second boot; console:\n" + console.text());
            assertTrue(console.awaitCount("Type 'poweroff'", 2, ANSWER), console.text());
            Thread.sleep(500);
            assertEquals(1, m.reboots());
            String read = console.ask(m, "cat /root/persisted", "read");
            assertTrue(read.contains(token), "the file written before the reboot:\n" + read);
            powerOff(m, console);
        }

        // A new machine on the same image reads it too
        GuestConsole second = new GuestConsole();
        try (Machine m = shell(disk, second)) {
            String read = second.ask(m, "cat /root/persisted", "again");
            assertTrue(read.contains(token), "the file, in a new machine:\n" + read);
            powerOff(m, second);
        }

        // The image's own e2fsck, run by the initramfs on the root mounted read-only (kvm4j.fsck)
        GuestConsole third = new GuestConsole();
        try (Machine m = Machine.builder(config("kvm4j.fsck")).console(third).add(VirtioBlock.open(disk, true)).build()) {
            m.start();
            assertTrue(third.await("KVM4J-FSCK-STATUS=", BOOT), "no e2fsck result; console:\n" + third.text());
            RunEnd end = m.await(ANSWER).orElseThrow(() -> new AssertionError("no power-off after e2fsck; console:\n" + third.text()));
            assertInstanceOf(RunEnd.Power.class, end, end.message());
            Matcher status = Pattern.compile("KVM4J-FSCK-STATUS=(\\d+)").matcher(third.text());
            assertTrue(status.find(), third.text());
            assertEquals("0", status.group(1), "e2fsck -n found problems:\n" + third.text());
        }
    }
}
