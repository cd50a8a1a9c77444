package dev.kvm4j.vmm.snapshot;

import dev.kvm4j.kvm.GuestMemory;
import dev.kvm4j.vmm.Layout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** The snapshot file: a round trip, sparseness, atomic replacement, and every kind of damaged file refused in one line. */
class SnapshotFileTest {
    @TempDir
    Path dir;

    private Path written() {
        Path f = dir.resolve("vm.snap");
        try (GuestMemory ram = SampleStates.ram()) {
            SnapshotWriter.write(f, SampleStates.twoVcpus(), ram);
        }
        return f;
    }

    @Test
    void aStateAndItsRamComeBackEqual() {
        MachineState state = SampleStates.twoVcpus();
        Path f = dir.resolve("vm.snap");
        try (GuestMemory ram = SampleStates.ram()) {
            SnapshotWriter.Written w = SnapshotWriter.write(f, state, ram);
            assertEquals(3, w.pagesStored());
            assertEquals(SampleStates.MEMORY / 4096, w.pages());
            SnapshotFile back = SnapshotFile.read(f);
            assertEquals(state, back.state());
            assertEquals(3, back.storedPages());
            try (GuestMemory fresh = GuestMemory.allocate(Layout.RAM_BASE, SampleStates.MEMORY)) {
                back.loadRam(fresh);
                assertEquals(-1L, fresh.segment().mismatch(ram.segment()), "RAM differs after the round trip");
            }
        }
    }

    @Test
    void zeroPagesCostNothing() throws IOException {
        Path f = written();
        // 3 pages of 16,384, the bitmap (2 KiB), registers, vGIC, header: far below the 64 MiB of RAM.
        long size = Files.size(f);
        assertTrue(size < 3 * 4096 + 16 * 1024, "snapshot is " + size + " bytes");
    }

    @Test
    void theHeaderIsTextAPersonCanRead() {
        String h = SnapshotFile.read(written()).header();
        for (String key : new String[] {"kvm4j snapshot format: 1", "kvm4j: ", "date: ", "command line: console=ttyAMA0 quiet",
                "memory: 64 MiB", "cpus: 2", "gic: GICv3", "aarch32: false", "host midr: 0x410fd0c0"}) {
            assertTrue(h.contains(key), key + " missing from:\n" + h);
        }
    }

    @Test
    void aNewSnapshotReplacesTheOldOneAndLeavesNoTemporaryFile() throws IOException {
        Path f = written();
        Files.writeString(f, "old");
        written();
        assertEquals(SampleStates.twoVcpus(), SnapshotFile.read(f).state());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(1, files.count(), "only the snapshot is left in the directory");
        }
    }

    @Test
    void aSnapshotIntoAMissingDirectoryIsOneLine() {
        try (GuestMemory ram = SampleStates.ram()) {
            var e = assertThrows(SnapshotException.class, () -> SnapshotWriter.write(dir.resolve("no/vm.snap"), SampleStates.twoVcpus(), ram));
            assertTrue(e.getMessage().contains("is not a directory"), e.getMessage());
        }
    }

    private static String refusal(Path f) {
        var e = assertThrows(SnapshotException.class, () -> {
            SnapshotFile s = SnapshotFile.read(f);
            s.verifyRam();
        });
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        assertTrue(e.getMessage().startsWith("snapshot " + f), e.getMessage());
        return e.getMessage();
    }

    @Test
    void notASnapshotIsSaidSo() throws IOException {
        Path f = dir.resolve("Image");
        Files.writeString(f, "#!/bin/sh\necho hello\n");
        assertTrue(refusal(f).contains("is not a kvm4j snapshot"));
        Files.write(f, new byte[0]);
        assertTrue(refusal(f).contains("is not a kvm4j snapshot"));
        assertTrue(refusal(dir.resolve("missing")).contains("no such file"));
    }

    @Test
    void aNewerFormatVersionIsRefusedNamingBoth() throws IOException {
        Path f = written();
        byte[] b = Files.readAllBytes(f);
        ByteBuffer.wrap(b).putInt(8, 3);
        Files.write(f, b);
        String m = refusal(f);
        assertTrue(m.contains("format version 3; this kvm4j reads versions 1 and 2: restore it with a newer kvm4j"), m);
    }

    @Test
    void everyTruncationIsRefused() throws IOException {
        byte[] b = Files.readAllBytes(written());
        Path f = dir.resolve("cut.snap");
        for (int len : new int[] {8, 11, 12, 20, 40, 200, b.length / 2, b.length - 4097, b.length - 16, b.length - 1}) {
            Files.write(f, Arrays.copyOf(b, len));
            String m = refusal(f);
            assertTrue(m.contains("truncated") || m.contains("not a kvm4j snapshot"), len + ": " + m);
        }
    }

    @Test
    void aFlippedBitInASmallSectionFailsItsChecksum() throws IOException {
        Path f = written();
        byte[] b = Files.readAllBytes(f);
        SnapshotFile s = SnapshotFile.read(f);
        SnapshotFile.Section vcpu = s.sections().stream().filter(x -> x.tag() == SnapshotFormat.VCPU).findFirst().orElseThrow();
        b[(int) vcpu.offset() + 30] ^= 0x10;
        Files.write(f, b);
        String m = refusal(f);
        assertTrue(m.contains("section VCPU at byte " + (vcpu.offset() - 16) + " fails its checksum"), m);
    }

    /** A bad field under a good checksum (a file written wrong, not damaged on disk): the field and its file offset. */
    @Test
    void aBadFieldUnderAGoodChecksumIsNamedWithItsOffset() throws IOException {
        Path f = written();
        SnapshotFile.Section conf = SnapshotFile.read(f).sections().stream().filter(x -> x.tag() == SnapshotFormat.CONF).findFirst().orElseThrow();
        // CONF: kernel, initrd and command line (u32 length + text each), u32 cpus, u64 memory, u8 GIC version, u8 aarch32.
        int gicAt = (4 + "/guest/Image".length()) + (4 + "/guest/initrd".length()) + (4 + "console=ttyAMA0 quiet".length()) + 4 + 8;
        String m = refusalWith(f, conf, gicAt, (byte) 9);
        assertTrue(m.contains("section CONF at byte " + (conf.offset() - 16) + " at byte " + (conf.offset() + gicAt + 1)
                + ": GIC version is neither 2 nor 3"), m);
        assertTrue(m.endsWith("(the file is damaged or not kvm4j's)"), m);
        f = written();
        m = refusalWith(f, conf, gicAt + 1, (byte) 2);
        assertTrue(m.contains(" at byte " + (conf.offset() + gicAt + 1) + ": aarch32 is 2, not 0 or 1"), m);
    }

    /** {@code f} with the byte at {@code at} in {@code section} set to {@code value} and the section's CRC32C fixed up. */
    private static String refusalWith(Path f, SnapshotFile.Section section, int at, byte value) throws IOException {
        byte[] b = Files.readAllBytes(f);
        b[(int) section.offset() + at] = value;
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(b, (int) section.offset(), (int) section.length());
        ByteBuffer.wrap(b).putInt((int) section.offset() - 4, (int) crc.getValue());
        Files.write(f, b);
        return refusal(f);
    }

    @Test
    void aFlippedBitInRamFailsTheRamChecksumBeforeTheMachineRuns() throws IOException {
        Path f = written();
        byte[] b = Files.readAllBytes(f);
        b[b.length - 16 - 100] ^= 1; // inside the last stored page, before the END section
        Files.write(f, b);
        SnapshotFile s = SnapshotFile.read(f);
        try (GuestMemory fresh = GuestMemory.allocate(Layout.RAM_BASE, SampleStates.MEMORY)) {
            var e = assertThrows(SnapshotException.class, () -> s.loadRam(fresh));
            assertTrue(e.getMessage().contains("section RAM") && e.getMessage().contains("fails its checksum"), e.getMessage());
        }
    }

    @Test
    void aHugeSectionLengthIsRefusedWithoutAllocatingIt() throws IOException {
        Path f = written();
        byte[] b = Files.readAllBytes(f);
        ByteBuffer.wrap(b).putLong(12 + 4, Long.MAX_VALUE - 3); // the HEAD section's length
        Files.write(f, b);
        assertTrue(refusal(f).contains("claims"));
        ByteBuffer.wrap(b).putLong(12 + 4, -1L);
        Files.write(f, b);
        assertTrue(refusal(f).contains("claims 18446744073709551615 bytes"));
    }

    @Test
    void bytesAfterTheEndAreRefused() throws IOException {
        Path f = written();
        Files.write(f, new byte[] {1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);
        assertTrue(refusal(f).contains("3 bytes after its END section"));
    }

    /** Random damage of any kind: always one SnapshotException line, never another exception or a restore. */
    @Test
    void randomDamageIsAlwaysARefusal() throws IOException {
        byte[] good = Files.readAllBytes(written());
        Path f = dir.resolve("damaged.snap");
        Random random = new Random(11);
        for (int round = 0; round < 300; round++) {
            byte[] b = good.clone();
            int kind = round % 3;
            if (kind == 0) {
                int n = 1 + random.nextInt(4);
                for (int i = 0; i < n; i++) b[random.nextInt(b.length)] ^= (byte) (1 + random.nextInt(255));
            } else if (kind == 1) {
                b = Arrays.copyOf(b, random.nextInt(b.length));
            } else {
                int at = 12 + random.nextInt(Math.min(2000, b.length - 20));
                ByteBuffer.wrap(b).putInt(at, random.nextInt());
            }
            if (Arrays.equals(b, good)) continue;
            Files.write(f, b);
            try {
                SnapshotFile s = SnapshotFile.read(f);
                s.verifyRam();
                // Damage to the HEAD text is refused by its checksum, so nothing else can pass.
                fail("round " + round + ": a damaged file was accepted");
            } catch (SnapshotException e) {
                assertEquals(1, e.getMessage().lines().count(), e.getMessage());
            }
        }
    }
}
