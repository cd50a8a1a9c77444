package dev.kvm4j.vmm.virtio;

import dev.kvm4j.kvm.sys.FileSpace;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * VIRTIO_BLK_T_DISCARD and VIRTIO_BLK_T_WRITE_ZEROES on a raw image (virtio 1.2 §5.2.6.2): the request's data
 * is an array of {@code struct virtio_blk_discard_write_zeroes} (le64 sector, le32 num_sectors, le32 flags).
 * Every segment is checked before any is done, so a bad request changes nothing. Discard punches a hole
 * ({@code fallocate(PUNCH_HOLE|KEEP_SIZE)}) and is offered only when a probe at open shows the file system
 * can; write-zeroes uses {@code ZERO_RANGE}, a hole when the driver allows unmapping, or plain writes of zeros
 * where the file system has neither (tmpfs has no ZERO_RANGE: learnt on the first refusal).
 */
final class DiscardWriteZeroes implements AutoCloseable {
    static final int SEGMENT = 16, FLAG_UNMAP = 1;
    /** Config limits: 1 GiB per segment, 16 segments, discards aligned to 4 KiB (the host's block size). */
    static final int MAX_SECTORS = 1 << 21, MAX_SEGMENTS = 16, DISCARD_ALIGNMENT_SECTORS = 8;
    private static final int ZEROS = 1 << 20;

    private final FileSpace space;
    private final FileChannel file;
    private final boolean canPunch;
    private volatile boolean canZeroRange = true;

    private DiscardWriteZeroes(FileSpace space, FileChannel file, boolean canPunch) {
        this.space = space;
        this.file = file;
        this.canPunch = canPunch;
    }

    /**
     * For a read-write image: probes hole punching once, past the end of the file (which changes nothing on a
     * file system that can punch, and is refused with EOPNOTSUPP on one that cannot).
     */
    static DiscardWriteZeroes open(Path path, FileChannel file) throws IOException {
        FileSpace space = FileSpace.open(path);
        boolean punch;
        try {
            space.punchHole(file.size(), 4096);
            punch = true;
        } catch (UnsupportedOperationException e) {
            punch = false;
        } catch (IOException | RuntimeException e) {
            space.close();
            throw e;
        }
        return new DiscardWriteZeroes(space, file, punch);
    }

    /** Discard is offered only where it frees space. */
    boolean canDiscard() { return canPunch; }

    /**
     * Serves a discard ({@code zeroes} false) or write-zeroes request whose segments are {@code data}, on a
     * disk of {@code sectors}; returns the virtio-blk status.
     */
    int serve(boolean zeroes, byte[] data, long sectors) {
        if (data.length == 0 || data.length % SEGMENT != 0 || data.length / SEGMENT > MAX_SEGMENTS) return VirtioBlock.S_IOERR;
        if (!zeroes && !canPunch) return VirtioBlock.S_UNSUPP;
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        int n = data.length / SEGMENT;
        for (int i = 0; i < n; i++) {
            long sector = b.getLong(SEGMENT * i);
            long count = Integer.toUnsignedLong(b.getInt(SEGMENT * i + 8));
            int flags = b.getInt(SEGMENT * i + 12);
            // unknown flags, or UNMAP on a discard: the spec's UNSUPP
            if ((flags & ~FLAG_UNMAP) != 0 || (!zeroes && flags != 0)) return VirtioBlock.S_UNSUPP;
            if (count > MAX_SECTORS || sector < 0 || sector > sectors || count > sectors - sector) return VirtioBlock.S_IOERR;
        }
        try {
            for (int i = 0; i < n; i++) {
                long sector = b.getLong(SEGMENT * i);
                long count = Integer.toUnsignedLong(b.getInt(SEGMENT * i + 8));
                if (count == 0) continue;
                long offset = sector * VirtioBlock.SECTOR, length = count * VirtioBlock.SECTOR;
                boolean unmap = (b.getInt(SEGMENT * i + 12) & FLAG_UNMAP) != 0;
                if (!zeroes || (unmap && canPunch)) space.punchHole(offset, length);
                else zero(offset, length);
            }
            return VirtioBlock.S_OK;
        } catch (IOException | RuntimeException e) {
            return VirtioBlock.S_IOERR;
        }
    }

    private void zero(long offset, long length) throws IOException {
        if (canZeroRange) {
            try {
                space.zeroRange(offset, length);
                return;
            } catch (UnsupportedOperationException e) {
                canZeroRange = false;
            }
        }
        ByteBuffer zeros = ByteBuffer.allocateDirect((int) Math.min(ZEROS, length));
        for (long done = 0; done < length; ) {
            zeros.clear().limit((int) Math.min(zeros.capacity(), length - done));
            while (zeros.hasRemaining()) done += file.write(zeros, offset + done);
        }
    }

    @Override
    public void close() { space.close(); }
}
