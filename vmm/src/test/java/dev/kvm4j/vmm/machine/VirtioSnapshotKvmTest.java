package dev.kvm4j.vmm.machine;

import dev.kvm4j.kvm.testing.RealKvm;
import dev.kvm4j.vmm.snapshot.SnapshotException;
import dev.kvm4j.vmm.snapshot.SnapshotFile;
import dev.kvm4j.vmm.snapshot.SnapshotFormat;
import dev.kvm4j.vmm.snapshot.SnapshotWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.kvm4j.vmm.machine.DebianRootKvmTest.powerOff;
import static dev.kvm4j.vmm.machine.DebianRootKvmTest.rootFile;
import static dev.kvm4j.vmm.machine.DebianRootKvmTest.shell;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Virtio devices in snapshots, on real KVM: the Debian root guest (root=/dev/vda, plus the RNG) is
 * snapshotted from its shell, the machine closed, and a new Machine restored from the file: the guest reads
 * what it wrote before, writes and reads its disk after (the write reaches the image file), and powers off.
 * On the way, fstrim in the guest discards free blocks where the host file system can punch holes. A restore
 * whose disk image changed size is refused with one line.
 */
@RealKvm(arch = "aarch64")
@Timeout(value = 20, unit = TimeUnit.MINUTES)
class VirtioSnapshotKvmTest {
    @TempDir
    Path dir;

    @Test
    void aDebianGuestOnAVirtioDiskGoesOnAfterARestore() throws Exception {
        Path disk = dir.resolve("debian.img");
        Files.copy(rootFile("debian.img"), disk);
        Path snap = dir.resolve("debian.snap");
        String before = "before-" + UUID.randomUUID(), after = "after-" + UUID.randomUUID();

        GuestConsole first = new GuestConsole();
        try (Machine m = shell(disk, first)) {
            String wrote = first.ask(m, "echo " + before + " > /root/before && sync && echo WROTE", "w1");
            assertTrue(wrote.contains("WROTE"), wrote);
            // discard: negotiated only where the host file system can punch holes (tmpfs and ext4 can)
            String trim = first.ask(m, "cat /sys/block/vda/queue/discard_max_bytes; fstrim -v / 2>&1", "trim");
            Matcher max = Pattern.compile("(?m)^(\\d+)\\s*$").matcher(trim);
            assertTrue(max.find(), trim);
            if (Long.parseLong(max.group(1)) > 0) {
                assertTrue(trim.contains("trimmed"), "fstrim on a disk that offers discard:\n" + trim);
                System.out.println("guest fstrim: " + trim.strip().replace('\n', ' '));
            } else {
                System.out.println("this host's file system cannot punch holes: discard not offered; " + trim.strip());
            }
            SnapshotWriter.Written w = m.snapshot(snap);
            assertTrue(w.bytes() > 0);
            m.stop();
        }
        SnapshotFile file = SnapshotFile.read(snap);
        assertEquals(SnapshotFormat.VERSION, file.version());
        assertEquals(2, file.virtio().size(), "a disk and the RNG");
        assertEquals(disk.toAbsolutePath().toString(), file.virtio().getFirst().disk());
        assertTrue(file.virtio().getFirst().transport().queues().getFirst().ready(), "the disk's queue was live");

        GuestConsole second = new GuestConsole();
        try (Machine m = Machine.restore(snap, Machine.options().console(second))) {
            m.start();
            String read = second.ask(m, "cat /root/before; echo " + after + " > /root/after && sync && echo WROTE;"
                    + " dd if=/dev/vda of=/dev/null bs=4096 count=512 skip=2000 iflag=direct 2>/dev/null && echo READ-OK", "r2");
            assertTrue(read.contains(before), "the file written before the snapshot:\n" + read);
            assertTrue(read.contains("WROTE") && read.contains("READ-OK"), read);
            powerOff(m, second);
        }
        byte[] image = Files.readAllBytes(disk);
        assertTrue(new String(image, StandardCharsets.ISO_8859_1).contains(after), "the write after the restore is in the image file");

        try (FileChannel c = FileChannel.open(disk, StandardOpenOption.WRITE)) {
            c.truncate(c.size() - 512);
        }
        var refused = assertThrows(SnapshotException.class, () -> Machine.restore(snap, Machine.options()));
        assertTrue(refused.getMessage().contains("when the snapshot was taken"), refused.getMessage());
        assertFalse(refused.getMessage().contains("\n"), refused.getMessage());
    }
}
