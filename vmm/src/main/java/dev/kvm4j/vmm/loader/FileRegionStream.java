package dev.kvm4j.vmm.loader;

import java.io.InputStream;
import java.nio.ByteBuffer;

/**
 * Bytes {@code [start, start + length)} of an open boot file as a stream, by positional reads: what a
 * decompressor reads is bounded by the region, whatever the file does meanwhile.
 */
final class FileRegionStream extends InputStream {
    private final BootFile file;
    private long position;
    private final long end;

    FileRegionStream(BootFile file, long start, long length) {
        if (start < 0 || length < 0 || start > file.size() || length > file.size() - start) {
            throw new IllegalArgumentException("region [" + start + ", +" + length + ") outside the file's " + file.size() + " bytes");
        }
        this.file = file;
        this.position = start;
        this.end = start + length;
    }

    @Override
    public int read() {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
        if (len == 0) return 0;
        if (position == end) return -1;
        int n = (int) Math.min(len, end - position);
        file.read(position, ByteBuffer.wrap(b, off, n));
        position += n;
        return n;
    }

    @Override
    public int available() {
        return (int) Math.min(Integer.MAX_VALUE, end - position);
    }
}
