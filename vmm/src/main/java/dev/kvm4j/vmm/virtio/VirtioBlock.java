package dev.kvm4j.vmm.virtio;

import dev.kvm4j.kvm.sys.VectoredIo;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * virtio-blk (ID 2) over a raw image file. Requests: IN (read), OUT (write), FLUSH ({@code fdatasync}),
 * GET_ID (a 20-byte serial), and on a read-write image WRITE_ZEROES and (where the host file system can punch
 * holes) DISCARD, see {@link DiscardWriteZeroes}. A request whose range is not whole 512-byte sectors inside the disk gets
 * VIRTIO_BLK_S_IOERR and touches nothing: no access ever leaves the file's range. The image is locked while
 * open (exclusive read-write, shared read-only), so a second kvm4j cannot write it at the same time.
 */
public final class VirtioBlock implements VirtioDevice {
    /** The virtio block device's ID. */
    public static final int DEVICE_ID = 2;
    /** Request types (VIRTIO_BLK_T_*), the request header's first field. */
    public static final int T_IN = 0, T_OUT = 1, T_FLUSH = 4, T_GET_ID = 8, T_DISCARD = 11, T_WRITE_ZEROES = 13;
    /** Request status bytes (VIRTIO_BLK_S_*), the last byte the device writes. */
    public static final int S_OK = 0, S_IOERR = 1, S_UNSUPP = 2;
    /** Feature bits (VIRTIO_BLK_F_*) this device may offer. */
    public static final long F_SEG_MAX = 1L << 2, F_RO = 1L << 5, F_BLK_SIZE = 1L << 6, F_FLUSH = 1L << 9,
            F_DISCARD = 1L << 13, F_WRITE_ZEROES = 1L << 14;
    /** struct virtio_blk_config up to write_zeroes_may_unmap and its padding. */
    static final int CONFIG_SIZE = 60;
    static final int SECTOR = 512, HEADER = 16, ID_BYTES = 20, QUEUE_SIZE = 256;
    /** Segments per request besides header and status (Linux asks for seg_max). */
    static final int SEG_MAX = QUEUE_SIZE - 2;

    private final Path path;
    private final FileChannel file;
    private final FileLock lock;
    private final boolean readOnly;
    private final long capacity;
    private final byte[] serial;
    /** Null for a read-only image. */
    private final DiscardWriteZeroes space;
    /** Reads and writes: a request's data segments in one preadv/pwritev, as QEMU does, not a pread each. */
    private final VectoredIo io;

    private VirtioBlock(Path path, FileChannel file, FileLock lock, boolean readOnly, long capacity, String serial,
                        DiscardWriteZeroes space, VectoredIo io) {
        this.path = path;
        this.file = file;
        this.lock = lock;
        this.readOnly = readOnly;
        this.capacity = capacity;
        this.serial = serial.getBytes(StandardCharsets.US_ASCII);
        this.space = space;
        this.io = io;
    }

    /**
     * Opens {@code path} as a disk. The disk's size is the file's, rounded down to whole sectors.
     *
     * @param path the raw image file
     * @param readOnly whether the guest may only read it (the file is then opened and locked read-only)
     * @return the disk, holding the image's lock until closed
     * @throws IOException with one line saying what holds the image when it is locked elsewhere
     */
    public static VirtioBlock open(Path path, boolean readOnly) throws IOException {
        FileChannel file = readOnly ? FileChannel.open(path, StandardOpenOption.READ)
                : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            FileLock lock;
            try {
                lock = file.tryLock(0, Long.MAX_VALUE, readOnly);
            } catch (OverlappingFileLockException e) {
                throw new IOException("disk image " + path + " is already open in this process: open it once");
            }
            if (lock == null) {
                throw new IOException("disk image " + path + " is in use" + LockHolder.describe(path)
                        + ": stop that VM, or give this one a copy" + (readOnly ? "" : " or open it read-only"));
            }
            long capacity = file.size() / SECTOR * SECTOR;
            String name = path.getFileName() == null ? "disk" : path.getFileName().toString();
            // its own descriptors: opened after the lock and closed after it is released (closing any
            // descriptor of the file would drop this process's lock)
            DiscardWriteZeroes space = null;
            try {
                space = readOnly ? null : DiscardWriteZeroes.open(path, file);
                VectoredIo io = VectoredIo.open(path, !readOnly);
                return new VirtioBlock(path, file, lock, readOnly, capacity, name, space, io);
            } catch (IOException | RuntimeException e) {
                if (space != null) space.close();
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /**
     * Whether the disk is read-only to the guest.
     *
     * @return true when opened read-only
     */
    public boolean readOnly() { return readOnly; }

    /**
     * The image file.
     *
     * @return the path given to {@link #open}
     */
    public Path path() { return path; }

    /**
     * The image file's size now, in bytes (a snapshot records it; capacity drops a partial last sector).
     *
     * @return the file's size in bytes
     * @throws java.io.UncheckedIOException when the size cannot be read
     */
    public long fileBytes() throws java.io.UncheckedIOException {
        try {
            return file.size();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(path + ": cannot read its size: " + e.getMessage(), e);
        }
    }

    /**
     * The disk's size in bytes (whole sectors).
     *
     * @return the capacity, a multiple of 512
     */
    public long capacity() { return capacity; }

    @Override public int deviceId() { return DEVICE_ID; }
    @Override
    public long features() {
        if (readOnly) return F_SEG_MAX | F_BLK_SIZE | F_FLUSH | F_RO;
        return F_SEG_MAX | F_BLK_SIZE | F_FLUSH | F_WRITE_ZEROES | (space.canDiscard() ? F_DISCARD : 0);
    }

    /**
     * Whether the host file system lets this disk offer DISCARD (false for a read-only disk).
     *
     * @return whether DISCARD is offered
     */
    public boolean discards() { return space != null && space.canDiscard(); }
    @Override public int queueCount() { return 1; }
    @Override public int queueMaxSize(int q) { return QUEUE_SIZE; }
    @Override public String name() { return "virtio-blk " + path; }

    /**
     * struct virtio_blk_config: capacity (sectors), seg_max, blk_size, and the discard and write-zeroes limits
     * (max_discard_sectors, max_discard_seg, discard_sector_alignment, max_write_zeroes_sectors,
     * max_write_zeroes_seg, write_zeroes_may_unmap), read by the driver only when it took those features.
     */
    @Override
    public byte[] config() {
        ByteBuffer c = ByteBuffer.allocate(CONFIG_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        c.putLong(0, capacity / SECTOR).putInt(12, SEG_MAX).putInt(20, SECTOR);
        c.putInt(36, DiscardWriteZeroes.MAX_SECTORS).putInt(40, DiscardWriteZeroes.MAX_SEGMENTS)
                .putInt(44, DiscardWriteZeroes.DISCARD_ALIGNMENT_SECTORS)
                .putInt(48, DiscardWriteZeroes.MAX_SECTORS).putInt(52, DiscardWriteZeroes.MAX_SEGMENTS)
                .put(56, (byte) (discards() ? 1 : 0));
        return c.array();
    }

    @Override
    public int handle(int q, DescriptorChain chain) throws VirtioViolation {
        if (chain.readableLength() < HEADER) {
            throw new VirtioViolation("block request " + chain.head() + ": " + chain.readableLength() + " readable bytes, the header needs 16");
        }
        if (chain.writableLength() < 1) throw new VirtioViolation("block request " + chain.head() + ": no writable byte for the status");
        ByteBuffer h = ByteBuffer.wrap(chain.read(0, HEADER)).order(ByteOrder.LITTLE_ENDIAN);
        int type = h.getInt(0);
        long sector = h.getLong(8);
        long statusAt = chain.writableLength() - 1;
        long outData = chain.readableLength() - HEADER;
        int status;
        int written = 0;
        switch (type) {
            case T_IN -> {
                if (outData != 0) throw new VirtioViolation("block read " + chain.head() + " has " + outData + " device-readable data bytes: read buffers must be device-writable");
                status = transfer(chain, sector, statusAt, true);
                if (status == S_OK) written = (int) Math.min(statusAt, Integer.MAX_VALUE - 1);
            }
            case T_OUT -> {
                if (statusAt != 0) throw new VirtioViolation("block write " + chain.head() + " has " + statusAt + " device-writable data bytes: write buffers must be device-readable");
                status = readOnly ? S_IOERR : transfer(chain, sector, outData, false);
            }
            case T_FLUSH -> status = flush();
            case T_DISCARD, T_WRITE_ZEROES -> {
                if (statusAt != 0) throw new VirtioViolation("block " + (type == T_DISCARD ? "discard " : "write-zeroes ") + chain.head() + " has " + statusAt + " device-writable data bytes: its segments must be device-readable");
                // more than the segments allowed is not even read (serve checks the rest)
                if (readOnly || outData > (long) DiscardWriteZeroes.MAX_SEGMENTS * DiscardWriteZeroes.SEGMENT) status = S_IOERR;
                else status = space.serve(type == T_WRITE_ZEROES, chain.read(HEADER, (int) outData), capacity / SECTOR);
            }
            case T_GET_ID -> {
                byte[] id = new byte[(int) Math.min(ID_BYTES, statusAt)];
                System.arraycopy(serial, 0, id, 0, Math.min(serial.length, id.length));
                chain.write(0, id);
                written = id.length;
                status = S_OK;
            }
            default -> status = S_UNSUPP;
        }
        chain.write(statusAt, new byte[]{(byte) status});
        return written + 1;
    }

    /** Moves {@code length} bytes between the chain's data and the disk at {@code sector}; IOERR when out of range. */
    private int transfer(DescriptorChain chain, long sector, long length, boolean toGuest) {
        if (length % SECTOR != 0 || sector < 0 || sector > capacity / SECTOR || length > capacity - sector * SECTOR) return S_IOERR;
        long position = sector * SECTOR;
        long offset = toGuest ? 0 : HEADER;
        try {
            List<MemorySegment> data = chain.slices(toGuest, offset, length);
            long n = toGuest ? io.preadv(position, data) : io.pwritev(position, data);
            return n == length ? S_OK : S_IOERR; // short: the file shrank under us
        } catch (IOException e) {
            return S_IOERR;
        }
    }

    private int flush() {
        if (readOnly) return S_OK;
        try {
            file.force(false); // fdatasync
            return S_OK;
        } catch (IOException e) {
            return S_IOERR;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            try {
                file.close();
            } finally {
                try {
                    if (space != null) space.close();
                } finally {
                    io.close();
                }
            }
        }
    }
}
