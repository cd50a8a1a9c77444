package dev.kvm4j.vmm.virtio;

import dev.kvm4j.kvm.GuestMemory;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * A validated descriptor chain: the device-readable buffers, then the device-writable ones, each inside
 * guest RAM. A device sees two byte streams, the readable one and the writable one, however the driver cut
 * them into buffers; {@link #slices} maps a range of a stream onto guest memory.
 */
public final class DescriptorChain {
    private final int head;
    private final List<GuestBuffer> buffers;
    private final GuestMemory ram;
    private final long readable, writable;

    DescriptorChain(int head, List<GuestBuffer> buffers, GuestMemory ram) {
        this.head = head;
        this.buffers = List.copyOf(buffers);
        this.ram = ram;
        long r = 0, w = 0;
        for (GuestBuffer b : buffers) {
            if (b.writable()) w += b.length(); else r += b.length();
        }
        this.readable = r;
        this.writable = w;
    }

    /**
     * The head descriptor's index: the id the used ring gives back.
     *
     * @return the head index
     */
    public int head() { return head; }

    /**
     * The chain's buffers in order, readable ones first.
     *
     * @return the buffers, unmodifiable
     */
    public List<GuestBuffer> buffers() { return buffers; }

    /**
     * Bytes the device may read.
     *
     * @return the readable stream's length
     */
    public long readableLength() { return readable; }

    /**
     * Bytes the device may write.
     *
     * @return the writable stream's length
     */
    public long writableLength() { return writable; }

    /**
     * The guest memory of {@code [offset, offset+length)} of the readable ({@code writable} false) or writable
     * stream, as host segments in order.
     *
     * @param writable which stream: the writable one (true) or the readable one (false)
     * @param offset where the range starts in the stream
     * @param length the range's length in bytes
     * @return the segments covering the range, in stream order
     * @throws IndexOutOfBoundsException if the range is not inside the stream (a device bug, not the driver's)
     */
    public List<MemorySegment> slices(boolean writable, long offset, long length) {
        long total = writable ? this.writable : this.readable;
        if (offset < 0 || length < 0 || offset > total - length) {
            throw new IndexOutOfBoundsException("range " + offset + "+" + length + " outside a stream of " + total + " bytes");
        }
        List<MemorySegment> out = new ArrayList<>();
        long at = 0;
        for (GuestBuffer b : buffers) {
            if (b.writable() != writable || length == 0) continue;
            long end = at + b.length();
            if (end > offset) {
                long from = Math.max(offset, at) - at;
                long n = Math.min(b.length() - from, length);
                out.add(ram.slice(b.address() + from, n));
                offset += n;
                length -= n;
            }
            at = end;
        }
        return out;
    }

    /**
     * Copies {@code n} bytes of the readable stream from {@code offset}.
     *
     * @param offset where to start in the readable stream
     * @param n how many bytes
     * @return the bytes
     * @throws IndexOutOfBoundsException if the range is not inside the stream
     */
    public byte[] read(long offset, int n) {
        byte[] out = new byte[n];
        int at = 0;
        for (MemorySegment s : slices(false, offset, n)) {
            MemorySegment.copy(s, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, out, at, (int) s.byteSize());
            at += (int) s.byteSize();
        }
        return out;
    }

    /**
     * Copies {@code data} into the writable stream at {@code offset}.
     *
     * @param offset where to start in the writable stream
     * @param data the bytes to write
     * @throws IndexOutOfBoundsException if the range is not inside the stream
     */
    public void write(long offset, byte[] data) {
        int at = 0;
        for (MemorySegment s : slices(true, offset, data.length)) {
            MemorySegment.copy(data, at, s, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, (int) s.byteSize());
            at += (int) s.byteSize();
        }
    }
}
