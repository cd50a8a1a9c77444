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

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Virtio devices on real KVM, seen from the default guest's shell: Debian's kernel (virtio_mmio, virtio_blk and
 * virtio-rng are modules there, loaded from guests/virtio-modules' archive appended to the initramfs) finds a
 * read-write disk as vda, a read-only one as vdb and the RNG as /dev/hwrng. The guest reads a sector it did
 * not write (same digest as the host's file), writes one, and after the power-off the host file differs from
 * the original exactly there; the read-only disk refuses a write and stays as it was.
 */
@RealKvm(arch = "aarch64")
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class VirtioKvmTest {
    private static final String MARKER = "KVM4J-USERSPACE-READY";
    private static final Duration BOOT = Duration.ofMinutes(5), ANSWER = GuestConsole.ANSWER;
    private static final int SECTOR = 512, DISK_SECTORS = 8 * 2048; // 8 MiB
    private static final String WRITTEN = "KVM4J-VIRTIO-WRITE";
    private static final int WRITE_SECTOR = 9;

    @TempDir
    Path dir;

    private static Path guestFile(String variable, String file) {
        String d = System.getenv(variable);
        assumeTrue(d != null, variable + " is not set: the guest files were not built for this run");
        Path p = Path.of(d, file);
        assumeTrue(Files.isRegularFile(p), p + " is missing (guests/virtio-modules makes it)");
        return p;
    }

    /** The default guest's initramfs with the virtio modules' archive appended: the kernel unpacks both. */
    private Path initrdWithModules() throws Exception {
        Path base = guestFile("KVM4J_DEFAULT_GUEST", "initramfs-arm64.cpio.gz");
        String modulesDir = System.getenv("KVM4J_VIRTIO_MODULES");
        Path modules = modulesDir != null ? Path.of(modulesDir, "virtio-modules.cpio.gz")
                : guestFile("KVM4J_DEFAULT_GUEST", "virtio-modules.cpio.gz");
        assumeTrue(Files.isRegularFile(modules), modules + " is missing (guests/virtio-modules makes it)");
        Path initrd = dir.resolve("initrd-virtio.cpio.gz");
        try (OutputStream out = Files.newOutputStream(initrd)) {
            Files.copy(base, out);
            Files.copy(modules, out);
        }
        return initrd;
    }

    /** Every sector different: its number and a running byte pattern, so a misplaced sector shows. */
    private static byte[] pattern(int seed) {
        byte[] b = new byte[SECTOR * DISK_SECTORS];
        for (int i = 0; i < b.length; i++) b[i] = (byte) (i * 31 + (i / SECTOR) * 7 + seed);
        for (int s = 0; s < DISK_SECTORS; s++) {
            byte[] tag = ("sector " + s + " of disk " + seed + "\n").getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(tag, 0, b, s * SECTOR, tag.length);
        }
        return b;
    }

    private static String md5(byte[] b, int from, int length) throws Exception {
        MessageDigest d = MessageDigest.getInstance("MD5");
        d.update(b, from, length);
        return HexFormat.of().formatHex(d.digest());
    }



    @Test
    void theGuestReadsAndWritesItsDisksAndGetsEntropy() throws Exception {
        Path kernel = guestFile("KVM4J_DEFAULT_GUEST", "Image");
        Path initrd = initrdWithModules();
        byte[] a = pattern(1), b = pattern(2);
        Path diskA = dir.resolve("a.img"), diskB = dir.resolve("b.img");
        Files.write(diskA, a);
        Files.write(diskB, b);
        MachineConfig config = MachineConfig.builder().kernel(kernel).initrd(initrd).cpus(2).memory(256L << 20)
                .append("console=ttyAMA0 quiet kvm4j.shell").build();
        GuestConsole console = new GuestConsole();
        try (Machine m = Machine.builder(config).console(console)
                .add(VirtioBlock.open(diskA, false)).add(VirtioBlock.open(diskB, true)).add(new VirtioRng()).build()) {
            m.start();
            assertTrue(console.await(MARKER, BOOT), "no userspace marker; console:\n" + console.text());
            assertTrue(console.await("Type 'poweroff'", ANSWER), console.text());
            Thread.sleep(500);

            String loaded = console.ask(m, "for k in virtio_mmio virtio_blk virtio-rng; do insmod /lib/modules/kvm4j/$k.ko || echo FAILED $k; done;"
                    + " sleep 1; cat /sys/block/vda/size /sys/block/vda/ro /sys/block/vdb/ro", "mods");
            assertFalse(loaded.contains("FAILED"), loaded);
            Matcher sizes = Pattern.compile("(?m)^(\\d+)\\s*$").matcher(loaded);
            assertTrue(sizes.find(), loaded);
            assertEquals(DISK_SECTORS, Long.parseLong(sizes.group(1)), "vda's size in sectors:\n" + loaded);
            assertTrue(sizes.find(), loaded);
            assertEquals("0", sizes.group(1), "vda read-only flag:\n" + loaded);
            assertTrue(sizes.find(), loaded);
            assertEquals("1", sizes.group(1), "vdb read-only flag:\n" + loaded);

            // reads: the guest's digest of a sector in the middle of each disk is the host's
            int probe = 1234;
            String readA = console.ask(m, "dd if=/dev/vda bs=512 skip=" + probe + " count=1 2>/dev/null | md5sum", "ra");
            assertTrue(readA.contains(md5(a, probe * SECTOR, SECTOR)), "vda sector " + probe + ":\n" + readA);
            String readB = console.ask(m, "dd if=/dev/vdb bs=512 skip=" + (DISK_SECTORS - 1) + " count=1 2>/dev/null | md5sum", "rb");
            assertTrue(readB.contains(md5(b, (DISK_SECTORS - 1) * SECTOR, SECTOR)), "vdb last sector:\n" + readB);

            // a write to the read-only disk fails in the guest
            String refusedWrite = console.ask(m, "dd if=/dev/zero of=/dev/vdb bs=512 count=1 conv=fsync; echo rc=$?", "wb");
            Matcher rc = Pattern.compile("rc=(\\d+)").matcher(refusedWrite);
            assertTrue(rc.find(), refusedWrite);
            assertNotEquals("0", rc.group(1), "the guest wrote to a read-only disk:\n" + refusedWrite);

            // a write to the read-write disk, flushed
            String wrote = console.ask(m, "printf '" + WRITTEN + "' | dd of=/dev/vda bs=512 seek=" + WRITE_SECTOR
                    + " conv=notrunc,fsync 2>/dev/null; echo rc=$?; sync", "wa");
            assertTrue(wrote.contains("rc=0"), wrote);

            // entropy
            String random = console.ask(m, "dd if=/dev/hwrng bs=16 count=1 2>/dev/null | od -An -tx1; cat /sys/class/misc/hw_random/rng_current", "rng");
            Matcher hex = Pattern.compile("((?:\\s[0-9a-f]{2}){16})").matcher(random);
            assertTrue(hex.find(), "16 bytes from /dev/hwrng:\n" + random);
            assertTrue(random.contains("virtio_rng"), random);

            GuestConsole.type(m, "poweroff -f");
            RunEnd end = m.await(ANSWER).orElseThrow(() -> new AssertionError("no power-off; console:\n" + console.text()));
            assertInstanceOf(PowerEvent.PowerOff.class, assertInstanceOf(RunEnd.Power.class, end).event(), end.message());
        }
        // The write is in the host file exactly where the guest put it; nothing else changed.
        byte[] afterA = Files.readAllBytes(diskA);
        byte[] expected = a.clone();
        byte[] w = WRITTEN.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(w, 0, expected, WRITE_SECTOR * SECTOR, w.length);
        // dd wrote a short block: the rest of the 512-byte block is what the page cache held, the old contents
        assertEquals(a.length, afterA.length);
        assertEquals(WRITTEN, new String(afterA, WRITE_SECTOR * SECTOR, w.length, StandardCharsets.US_ASCII));
        assertEquals(-1, Arrays.mismatch(expected, afterA), "the disk changed outside the written bytes at "
                + Arrays.mismatch(expected, afterA));
        assertArrayEquals(b, Files.readAllBytes(diskB), "the read-only disk changed");
    }
}
