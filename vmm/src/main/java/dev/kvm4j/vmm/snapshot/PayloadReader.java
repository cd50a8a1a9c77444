package dev.kvm4j.vmm.snapshot;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Reads one section's payload, untrusted: every read and every count is checked against the bytes left
 * before anything is allocated, and a problem is a {@link SnapshotException} naming the file, the
 * section and the byte offset in the file.
 */
final class PayloadReader {
    private final byte[] bytes;
    private final String where;
    private final long fileOffset;
    private int pos;

    /** @param fileOffset where the payload starts in the file, for messages */
    PayloadReader(byte[] bytes, String where, long fileOffset) {
        this.bytes = bytes;
        this.where = where;
        this.fileOffset = fileOffset;
    }

    int remaining() { return bytes.length - pos; }

    private void need(int n, String what) {
        if (n < 0 || n > remaining()) throw corrupt(what + " needs " + n + " bytes, " + remaining() + " are left");
    }

    int u8(String what) {
        need(1, what);
        return bytes[pos++] & 0xff;
    }

    int u16(String what) {
        need(2, what);
        int v = (bytes[pos] & 0xff) << 8 | (bytes[pos + 1] & 0xff);
        pos += 2;
        return v;
    }

    long u32(String what) {
        need(4, what);
        long v = 0;
        for (int i = 0; i < 4; i++) v = v << 8 | (bytes[pos + i] & 0xff);
        pos += 4;
        return v;
    }

    long u64(String what) {
        need(8, what);
        long v = 0;
        for (int i = 0; i < 8; i++) v = v << 8 | (bytes[pos + i] & 0xff);
        pos += 8;
        return v;
    }

    boolean bool(String what) {
        int b = u8(what);
        if (b > 1) throw corrupt(what + " is " + b + ", not 0 or 1");
        return b == 1;
    }

    /** A u32 that must lie in [0, max] and, at {@code minBytesEach} per item, fit in what is left. */
    int count(String what, long max, int minBytesEach) {
        long n = u32(what);
        if (n > max) throw corrupt(what + " " + n + " is above the limit " + max);
        if (n * (long) minBytesEach > remaining()) throw corrupt(what + " " + n + " does not fit in the " + remaining() + " bytes left");
        return (int) n;
    }

    byte[] bytes(int n, String what) {
        need(n, what);
        byte[] b = new byte[n];
        System.arraycopy(bytes, pos, b, 0, n);
        pos += n;
        return b;
    }

    /** u32 length then strict UTF-8. */
    String string(String what, int max) {
        int n = count(what + " length", max, 1);
        byte[] b = bytes(n, what);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw corrupt(what + " is not UTF-8");
        }
    }

    void expectEnd() {
        if (remaining() != 0) throw corrupt(remaining() + " unexpected bytes after the last field");
    }

    SnapshotException corrupt(String what) {
        return new SnapshotException(where + " at byte " + (fileOffset + pos) + ": " + what + " (the file is damaged or not kvm4j's)");
    }
}
