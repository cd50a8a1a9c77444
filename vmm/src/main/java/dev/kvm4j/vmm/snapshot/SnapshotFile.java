package dev.kvm4j.vmm.snapshot;

import dev.kvm4j.arm.state.GicState;
import dev.kvm4j.arm.state.StateCodec;
import dev.kvm4j.arm.state.StateFormatException;
import dev.kvm4j.arm.state.StateReader;
import dev.kvm4j.kvm.GuestMemory;
import dev.kvm4j.vmm.device.Pl011;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * A snapshot file read back, as untrusted input: the magic, the version, every section's length (checked
 * against the file's size without overflow) and checksum, and every field of the small sections are
 * checked before anything is built. The RAM section's layout is checked here too; its checksum is checked
 * as it is loaded ({@link #loadRam}) or by {@link #verifyRam}, so that the image is read only once.
 */
public final class SnapshotFile {
    /**
     * One section: {@code offset} is where its payload starts.
     *
     * @param tag the section's tag ({@link SnapshotFormat#tag})
     * @param offset the file offset of its payload
     * @param length the payload's length in bytes
     * @param crc the payload's CRC32C as stored
     */
    public record Section(int tag, long offset, long length, int crc) {
        /**
         * The tag as text, for messages.
         *
         * @return the tag's characters
         */
        public String name() { return SnapshotFormat.tagName(tag); }
    }

    private final Path file;
    private final long size;
    private final int version;
    private final List<Section> sections;
    private final String header;
    private final MachineState state;
    private final Section ram;
    private final byte[] ramBitmap;
    private final long ramPages;
    private final List<VirtioSnapshot> virtio;

    private SnapshotFile(Path file, long size, int version, List<Section> sections, String header, MachineState state,
                         Section ram, byte[] ramBitmap, long ramPages, List<VirtioSnapshot> virtio) {
        this.file = file;
        this.size = size;
        this.version = version;
        this.sections = List.copyOf(sections);
        this.header = header;
        this.state = state;
        this.ram = ram;
        this.ramBitmap = ramBitmap;
        this.ramPages = ramPages;
        this.virtio = List.copyOf(virtio);
    }

    /**
     * The file read.
     *
     * @return its path as given to {@link #read}
     */
    public Path file() { return file; }

    /**
     * The file's size.
     *
     * @return its size in bytes
     */
    public long size() { return size; }

    /**
     * The file's format version.
     *
     * @return {@link SnapshotFormat#VERSION} or {@link SnapshotFormat#VERSION_NO_VIRTIO}
     */
    public int version() { return version; }

    /**
     * Every section, in file order.
     *
     * @return the sections, unmodifiable
     */
    public List<Section> sections() { return sections; }

    /**
     * The human-readable header lines.
     *
     * @return the HEAD section's text
     */
    public String header() { return header; }

    /**
     * The machine's state but its RAM.
     *
     * @return the state decoded from the small sections
     */
    public MachineState state() { return state; }

    /**
     * The virtio devices, in slot order (none in a version 1 file).
     *
     * @return the devices, unmodifiable
     */
    public List<VirtioSnapshot> virtio() { return virtio; }

    /**
     * Pages of RAM the file stores (the rest are zero).
     *
     * @return the count of stored pages
     */
    public long storedPages() { return RamBitmap.count(ramBitmap, ramPages); }

    /**
     * Pages of guest RAM, stored or not.
     *
     * @return the RAM size in pages
     */
    public long ramPages() { return ramPages; }

    /**
     * Reads and checks {@code file}'s structure and small sections (not the RAM checksum: {@link #verifyRam}, {@link #loadRam}).
     *
     * @param file the snapshot file
     * @return the file, checked
     * @throws SnapshotException when the file is missing, unreadable, not a snapshot, of another version, damaged or truncated
     */
    public static SnapshotFile read(Path file) {
        String name = "snapshot " + file;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer head = ByteBuffer.allocate(SnapshotFormat.FILE_HEADER_BYTES);
            readFully(ch, head, 0);
            if (head.position() < SnapshotFormat.MAGIC.length
                    || !Arrays.equals(Arrays.copyOf(head.array(), SnapshotFormat.MAGIC.length), SnapshotFormat.MAGIC)) {
                throw new SnapshotException(name + " is not a kvm4j snapshot (no KVM4JSNP magic at its start)");
            }
            if (head.position() < SnapshotFormat.FILE_HEADER_BYTES) throw new SnapshotException(name + " is truncated: it ends inside its header");
            int version = head.getInt(SnapshotFormat.MAGIC.length);
            if (version != SnapshotFormat.VERSION && version != SnapshotFormat.VERSION_NO_VIRTIO) {
                throw new SnapshotException(name + " has format version " + Integer.toUnsignedString(version) + "; this kvm4j reads versions "
                        + SnapshotFormat.VERSION_NO_VIRTIO + " and " + SnapshotFormat.VERSION + (Integer.compareUnsigned(version, SnapshotFormat.VERSION) > 0 ? ": restore it with a newer kvm4j" : ""));
            }
            return new Reader(file, name, ch, size, version).read();
        } catch (NoSuchFileException e) {
            throw new SnapshotException(name + ": no such file");
        } catch (IOException e) {
            throw new SnapshotException(name + ": cannot read it: " + e.getMessage(), e);
        }
    }

    /** Checks the RAM section's checksum without loading it (for snapshot-info). */
    public void verifyRam() {
        streamRam(null);
    }

    /**
     * Fills {@code ram} (fresh, zeroed, of the snapshot's base and size) with the stored pages; checks the checksum.
     *
     * @param ram the new machine's guest RAM
     */
    public void loadRam(GuestMemory ram) {
        SnapshotConfig c = state.config();
        if (ram.base() != c.ramBase() || ram.size() != c.memory()) {
            throw new IllegalArgumentException("guest RAM of " + ram.size() + " bytes at 0x" + Long.toHexString(ram.base()) + " is not the snapshot's");
        }
        streamRam(ram.segment());
    }

    private void streamRam(MemorySegment into) {
        String name = "snapshot " + file;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            CRC32C crc = new CRC32C();
            long fixed = 20L + ramBitmap.length;
            ByteBuffer fixedBytes = ByteBuffer.allocate((int) fixed);
            readFully(ch, fixedBytes, ram.offset());
            fixedBytes.flip();
            crc.update(fixedBytes);
            long at = ram.offset() + fixed;
            ByteBuffer scratch = into == null ? ByteBuffer.allocateDirect(1 << 20) : null;
            long p = 0;
            while (p < ramPages) {
                if (!RamBitmap.isSet(ramBitmap, p)) { p++; continue; }
                long first = p;
                while (p < ramPages && RamBitmap.isSet(ramBitmap, p) && p - first < 256) p++;
                long bytes = (p - first) * SnapshotFormat.PAGE_SIZE;
                ByteBuffer target = into != null ? into.asSlice(first * SnapshotFormat.PAGE_SIZE, bytes).asByteBuffer()
                        : scratch.clear().limit((int) bytes);
                readFully(ch, target, at);
                if (target.hasRemaining()) throw new SnapshotException(name + " is truncated inside its RAM image");
                target.flip();
                crc.update(target);
                at += bytes;
            }
            if ((int) crc.getValue() != ram.crc()) {
                throw new SnapshotException(name + ": section RAM at byte " + ram.offset() + " fails its checksum: the file is damaged");
            }
        } catch (IOException e) {
            throw new SnapshotException(name + ": cannot read it: " + e.getMessage(), e);
        }
    }

    /** Reads into {@code b} from {@code position} until it is full or the file ends. */
    static void readFully(FileChannel ch, ByteBuffer b, long position) throws IOException {
        while (b.hasRemaining()) {
            int n = ch.read(b, position);
            if (n < 0) return;
            position += n;
        }
    }

    private static final class Reader {
        private final Path file;
        private final String name;
        private final FileChannel ch;
        private final long size;
        private final int version;

        Reader(Path file, String name, FileChannel ch, long size, int version) {
            this.file = file;
            this.name = name;
            this.ch = ch;
            this.size = size;
            this.version = version;
        }

        SnapshotFile read() throws IOException {
            List<Section> sections = new ArrayList<>();
            String header = null;
            SnapshotConfig config = null;
            List<VcpuSnapshot> vcpus = new ArrayList<>();
            GicState gic = null;
            Pl011.State uart = null;
            Section ram = null;
            byte[] bitmap = null;
            List<VirtioSnapshot> virtio = new ArrayList<>();
            long pos = SnapshotFormat.FILE_HEADER_BYTES;
            boolean ended = false;
            while (!ended) {
                if (size - pos < SnapshotFormat.SECTION_HEADER_BYTES) {
                    throw new SnapshotException(name + " is truncated: it ends at byte " + size + " without its END section");
                }
                ByteBuffer h = ByteBuffer.allocate(SnapshotFormat.SECTION_HEADER_BYTES);
                readFully(ch, h, pos);
                int tag = h.getInt(0);
                long length = h.getLong(4);
                int crc = h.getInt(12);
                long payload = pos + SnapshotFormat.SECTION_HEADER_BYTES;
                String where = "section " + SnapshotFormat.tagName(tag) + " at byte " + pos;
                if (!SnapshotFormat.known(tag)) throw new SnapshotException(name + ": " + where + " has an unknown tag: the file is damaged");
                // Unsigned length against what is left: no addition that could overflow.
                if (length < 0 || length > size - payload) {
                    throw new SnapshotException(name + " is truncated: " + where + " claims " + Long.toUnsignedString(length)
                            + " bytes, " + (size - payload) + " are left");
                }
                Section s = new Section(tag, payload, length, crc);
                sections.add(s);
                if (tag == SnapshotFormat.RAM) {
                    if (ram != null) throw new SnapshotException(name + ": " + where + " is a second RAM section");
                    if (config == null) throw new SnapshotException(name + ": " + where + " comes before the CONF section");
                    ram = s;
                    bitmap = ramBitmap(s, config, where);
                } else {
                    if (length > SnapshotFormat.MAX_SMALL_SECTION) {
                        throw new SnapshotException(name + ": " + where + " is " + length + " bytes, more than any " + s.name() + " section can be");
                    }
                    byte[] bytes = new byte[(int) length];
                    ByteBuffer b = ByteBuffer.wrap(bytes);
                    readFully(ch, b, payload);
                    CRC32C c = new CRC32C();
                    c.update(bytes);
                    if ((int) c.getValue() != crc) throw new SnapshotException(name + ": " + where + " fails its checksum: the file is damaged");
                    StateReader in = new StateReader(bytes, name + ": " + where, payload);
                    try {
                        if (tag == SnapshotFormat.HEAD) {
                            header = new String(bytes, StandardCharsets.UTF_8);
                        } else if (tag == SnapshotFormat.CONF) {
                            config = SectionCodec.decodeConfig(in);
                        } else if (tag == SnapshotFormat.VCPU) {
                            vcpus.add(SectionCodec.decodeVcpu(in));
                        } else if (tag == SnapshotFormat.VGIC) {
                            try {
                                gic = StateCodec.decodeGic(bytes);
                            } catch (StateFormatException e) {
                                throw new SnapshotException(name + ": " + where + ": " + e.getMessage());
                            }
                        } else if (tag == SnapshotFormat.UART) {
                            uart = SectionCodec.decodeUart(in);
                        } else if (tag == SnapshotFormat.VIRT) {
                            if (version < SnapshotFormat.VERSION) throw new SnapshotException(name + ": " + where + " in a version " + version + " file: the file is damaged");
                            VirtioSnapshot v = SectionCodec.decodeVirtio(in);
                            if (v.slot() != virtio.size()) throw new SnapshotException(name + ": " + where + " is for slot " + v.slot() + ", expected " + virtio.size());
                            virtio.add(v);
                        } else if (tag == SnapshotFormat.END) {
                            if (length != 0) throw new SnapshotException(name + ": " + where + " is not empty");
                            ended = true;
                        }
                    } catch (StateFormatException e) {
                        throw new SnapshotException(e.getMessage() + " (the file is damaged or not kvm4j's)");
                    }
                }
                pos = payload + length;
            }
            if (pos != size) throw new SnapshotException(name + " has " + (size - pos) + " bytes after its END section: the file is damaged");
            if (header == null || config == null || gic == null || uart == null || ram == null) {
                throw new SnapshotException(name + " lacks a section (" + (header == null ? "HEAD " : "") + (config == null ? "CONF " : "")
                        + (gic == null ? "VGIC " : "") + (uart == null ? "UART " : "") + (ram == null ? "RAM" : "") + ")".replace(" )", ")"));
            }
            if (vcpus.size() != config.cpus()) {
                throw new SnapshotException(name + " holds " + vcpus.size() + " VCPU sections for a machine of " + config.cpus() + " vCPUs");
            }
            if (gic.version() != config.gic() || gic.nrIrqs() != config.nrIrqs() || gic.cpuIds().size() != config.cpus()) {
                throw new SnapshotException(name + ": the VGIC section (" + gic.version().label() + ", " + gic.nrIrqs() + " INTIDs, "
                        + gic.cpuIds().size() + " vCPUs) does not match its CONF section");
            }
            return new SnapshotFile(file, size, version, sections, header, new MachineState(config, vcpus, gic, uart), ram, bitmap,
                    config.memory() / SnapshotFormat.PAGE_SIZE, virtio);
        }

        /** Reads and checks the RAM section's fixed fields and bitmap; the page data is only measured. */
        private byte[] ramBitmap(Section s, SnapshotConfig config, String where) throws IOException {
            ByteBuffer fixed = ByteBuffer.allocate(20);
            readFully(ch, fixed, s.offset());
            if (fixed.hasRemaining() || s.length() < 20) throw new SnapshotException(name + ": " + where + " is too short for its fields");
            long base = fixed.getLong(0), bytes = fixed.getLong(8);
            int page = fixed.getInt(16);
            if (page != SnapshotFormat.PAGE_SIZE) throw new SnapshotException(name + ": " + where + " has page size " + page + ", not 4096");
            if (base != config.ramBase() || bytes != config.memory()) {
                throw new SnapshotException(name + ": " + where + String.format(" covers 0x%x bytes at 0x%x, the CONF section 0x%x at 0x%x",
                        bytes, base, config.memory(), config.ramBase()));
            }
            long pages = bytes / page;
            long bitmapBytes = (pages + 7) / 8;
            if (bitmapBytes > s.length() - 20) throw new SnapshotException(name + ": " + where + " is too short for its page bitmap");
            byte[] bitmap = new byte[(int) bitmapBytes];
            readFully(ch, ByteBuffer.wrap(bitmap), s.offset() + 20);
            for (long p = pages; p < bitmapBytes * 8; p++) {
                if (RamBitmap.isSet(bitmap, p)) throw new SnapshotException(name + ": " + where + " marks a page past the end of RAM");
            }
            long stored = RamBitmap.count(bitmap, pages);
            // stored ≤ 2^28 for 1 TiB of RAM: the product cannot overflow.
            long expected = 20 + bitmapBytes + stored * page;
            if (expected != s.length()) {
                throw new SnapshotException(name + ": " + where + " is " + s.length() + " bytes; its bitmap of " + stored
                        + " stored pages needs " + expected + (expected > s.length() ? " (truncated?)" : ""));
            }
            return bitmap;
        }
    }
}
