package dev.kvm4j.vmm.snapshot;

import dev.kvm4j.arm.regs.RegisterId;
import dev.kvm4j.arm.state.StateCodec;
import dev.kvm4j.kvm.GuestMemory;
import dev.kvm4j.vmm.Layout;
import dev.kvm4j.vmm.Sizes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Writes a snapshot file atomically: into a temporary file in the target's directory, fsync'ed, then
 * renamed over the target (and the directory fsync'ed), so a crash while saving leaves either the old
 * file or the new one under the name, never half of one. RAM pages of zeros are not written.
 */
public final class SnapshotWriter {
    private SnapshotWriter() {}

    private static final MemorySegment ZERO_PAGE = Arena.global().allocate(SnapshotFormat.PAGE_SIZE);
    private static final RegisterId MIDR_EL1 = RegisterId.parse("MIDR_EL1");

    /**
     * What was written.
     *
     * @param file the file's absolute path
     * @param bytes the file's size
     * @param pagesStored pages of RAM stored (the others are zero)
     * @param pages pages of guest RAM in all
     */
    public record Written(Path file, long bytes, long pagesStored, long pages) {}

    /**
     * Writes {@code state} and {@code ram} (the machine paused) to {@code file}.
     *
     * @param file where to write; its directory must exist
     * @param state the paused machine's state
     * @param ram the machine's guest RAM
     * @return what was written
     * @throws SnapshotException when the file cannot be written
     */
    public static Written write(Path file, MachineState state, GuestMemory ram) {
        return write(file, state, ram, List.of());
    }

    /**
     * The same with the machine's virtio devices (held still while RAM is written): a version 2 file when there are any.
     *
     * @param file where to write; its directory must exist
     * @param state the paused machine's state
     * @param ram the machine's guest RAM
     * @param virtio the virtio devices' states, in slot order
     * @return what was written
     * @throws SnapshotException when the file cannot be written
     */
    public static Written write(Path file, MachineState state, GuestMemory ram, List<VirtioSnapshot> virtio) {
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        if (dir == null || !Files.isDirectory(dir)) throw new SnapshotException("snapshot " + file + ": " + dir + " is not a directory");
        if (Files.isDirectory(target)) throw new SnapshotException("snapshot " + file + " is a directory: name a file");
        Path tmp = null;
        try {
            tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".partial");
            long pagesStored;
            long size;
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer head = ByteBuffer.allocate(SnapshotFormat.FILE_HEADER_BYTES);
                int version = virtio.isEmpty() ? SnapshotFormat.VERSION_NO_VIRTIO : SnapshotFormat.VERSION;
                head.put(SnapshotFormat.MAGIC).putInt(version).flip();
                writeFully(ch, head);
                section(ch, SnapshotFormat.HEAD, header(state, ram, version, virtio).getBytes(StandardCharsets.UTF_8));
                section(ch, SnapshotFormat.CONF, SectionCodec.encode(state.config()));
                for (VcpuSnapshot v : state.vcpus()) section(ch, SnapshotFormat.VCPU, SectionCodec.encode(v));
                section(ch, SnapshotFormat.VGIC, StateCodec.encode(state.gic()));
                section(ch, SnapshotFormat.UART, SectionCodec.encode(state.uart()));
                for (VirtioSnapshot v : virtio) section(ch, SnapshotFormat.VIRT, SectionCodec.encode(v));
                pagesStored = ram(ch, ram);
                section(ch, SnapshotFormat.END, new byte[0]);
                size = ch.position();
                ch.force(true);
            }
            move(tmp, target);
            tmp = null;
            syncDirectory(dir);
            return new Written(target, size, pagesStored, ram.size() / SnapshotFormat.PAGE_SIZE);
        } catch (IOException e) {
            throw new SnapshotException("snapshot " + file + ": cannot write it: " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the half file keeps its temporary name: never the snapshot's
                }
            }
        }
    }

    /** The lines {@code kvm4j snapshot-info} shows; a person's view, never read back by a restore. */
    static String header(MachineState s, GuestMemory ram) {
        return header(s, ram, SnapshotFormat.VERSION_NO_VIRTIO, List.of());
    }

    static String header(MachineState s, GuestMemory ram, int version, List<VirtioSnapshot> virtio) {
        SnapshotConfig c = s.config();
        StringBuilder h = new StringBuilder();
        h.append("kvm4j snapshot format: ").append(version).append('\n');
        h.append("kvm4j: ").append(SnapshotFormat.KVM4J_VERSION).append('\n');
        h.append("date: ").append(Instant.now().truncatedTo(ChronoUnit.SECONDS)).append('\n');
        h.append("kernel: ").append(c.kernel().map(Path::toString).orElse("(unknown)")).append('\n');
        c.initrd().ifPresent(p -> h.append("initrd: ").append(p).append('\n'));
        h.append("command line: ").append(c.append()).append('\n');
        h.append("memory: ").append(Sizes.format(c.memory())).append('\n');
        h.append("cpus: ").append(c.cpus()).append('\n');
        h.append("gic: ").append(Layout.gicName(c.gic())).append('\n');
        h.append("aarch32: ").append(c.aarch32()).append('\n');
        if (!s.vcpus().isEmpty()) {
            s.vcpus().getFirst().registers().find(MIDR_EL1).ifPresent(v -> h.append("host midr: ").append(v).append('\n'));
        }
        h.append("power: ").append(s.vcpus().stream().map(v -> v.id() + "=" + v.extra().mpState().name().toLowerCase(java.util.Locale.ROOT))
                .toList()).append('\n');
        for (VirtioSnapshot v : virtio) {
            h.append("virtio ").append(v.slot()).append(": ").append(v.disk().isEmpty() ? "device " + v.deviceId()
                    : "disk " + v.disk() + " (" + v.diskBytes() + " bytes" + (v.readOnly() ? ", read-only" : "") + ")").append('\n');
        }
        h.append("guest time: frozen at the snapshot (counters restored)\n");
        return h.toString();
    }

    private static void section(FileChannel ch, int tag, byte[] payload) throws IOException {
        CRC32C crc = new CRC32C();
        crc.update(payload);
        ByteBuffer b = ByteBuffer.allocate(SnapshotFormat.SECTION_HEADER_BYTES + payload.length);
        b.putInt(tag).putLong(payload.length).putInt((int) crc.getValue()).put(payload).flip();
        writeFully(ch, b);
    }

    /** The RAM section; its header is written last, once the length and checksum are known. Returns pages stored. */
    private static long ram(FileChannel ch, GuestMemory ram) throws IOException {
        long pages = ram.size() / SnapshotFormat.PAGE_SIZE;
        if (pages > Integer.MAX_VALUE) throw new IllegalArgumentException("guest RAM of " + ram.size() + " bytes is too large to snapshot");
        MemorySegment mem = ram.segment();
        byte[] bitmap = new byte[(int) ((pages + 7) / 8)];
        long stored = 0;
        for (long p = 0; p < pages; p++) {
            MemorySegment page = mem.asSlice(p * SnapshotFormat.PAGE_SIZE, SnapshotFormat.PAGE_SIZE);
            if (MemorySegment.mismatch(page, 0, SnapshotFormat.PAGE_SIZE, ZERO_PAGE, 0, SnapshotFormat.PAGE_SIZE) >= 0) {
                bitmap[(int) (p >>> 3)] |= (byte) (1 << (p & 7));
                stored++;
            }
        }
        long sectionAt = ch.position();
        ch.position(sectionAt + SnapshotFormat.SECTION_HEADER_BYTES);
        CRC32C crc = new CRC32C();
        ByteBuffer fixed = ByteBuffer.allocate(20 + bitmap.length);
        fixed.putLong(ram.base()).putLong(ram.size()).putInt(SnapshotFormat.PAGE_SIZE).put(bitmap).flip();
        crc.update(fixed.duplicate());
        writeFully(ch, fixed);
        // Runs of stored pages go out in one write each, straight from guest RAM.
        long p = 0;
        while (p < pages) {
            if (!RamBitmap.isSet(bitmap, p)) { p++; continue; }
            long first = p;
            while (p < pages && RamBitmap.isSet(bitmap, p) && p - first < 8192) p++;
            ByteBuffer run = mem.asSlice(first * SnapshotFormat.PAGE_SIZE, (p - first) * SnapshotFormat.PAGE_SIZE).asByteBuffer();
            crc.update(run.duplicate());
            writeFully(ch, run);
        }
        long end = ch.position();
        ByteBuffer header = ByteBuffer.allocate(SnapshotFormat.SECTION_HEADER_BYTES);
        header.putInt(SnapshotFormat.RAM).putLong(end - sectionAt - SnapshotFormat.SECTION_HEADER_BYTES).putInt((int) crc.getValue()).flip();
        while (header.hasRemaining()) ch.write(header, sectionAt + header.position());
        return stored;
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    private static void move(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("this file system cannot rename atomically: " + e.getMessage(), e);
        }
    }

    /** The rename is durable only once the directory is; Linux lets a directory be opened and fsync'ed. */
    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UncheckedIOException ignored) {
            // not every platform opens directories; the file itself is synced
        }
    }
}
