package dev.kvm4j.vmm.gdb;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * The receiving half of the remote serial protocol's framing: {@code $payload#cs} packets, the {@code +}/
 * {@code -} acknowledgements and the out-of-band interrupt byte 0x03. Bytes outside a packet that mean nothing
 * are skipped. A packet longer than {@link #MAX_PAYLOAD} is read to its end and reported {@link Incoming.TooLong}
 * without being kept, so a peer can never make this grow; a wrong checksum is {@link Incoming.BadChecksum}
 * (the session answers {@code -} and gdb sends it again). The payload is returned with the {@code }} escapes
 * undone; {@code *} (run-length encoding, which gdb never sends to a stub) is left as an ordinary byte.
 */
final class PacketReader {
    /** The largest payload accepted, as advertised in qSupported's PacketSize. */
    static final int MAX_PAYLOAD = 16384;
    static final int INTERRUPT = 0x03;

    /** What arrived. */
    sealed interface Incoming {
        record Packet(byte[] payload) implements Incoming {
            String text() { return new String(payload, java.nio.charset.StandardCharsets.ISO_8859_1); }
        }

        record Ack() implements Incoming {}

        record Nak() implements Incoming {}

        record Interrupt() implements Incoming {}

        record BadChecksum() implements Incoming {}

        record TooLong() implements Incoming {}

        /** The peer closed the connection (or it broke). */
        record Closed() implements Incoming {}
    }

    private final InputStream in;
    private final byte[] buffer = new byte[MAX_PAYLOAD];

    PacketReader(InputStream in) { this.in = in; }

    /** Blocks for the next thing the peer sent. */
    Incoming next() throws IOException {
        while (true) {
            int c = in.read();
            switch (c) {
                case -1 -> { return new Incoming.Closed(); }
                case '+' -> { return new Incoming.Ack(); }
                case '-' -> { return new Incoming.Nak(); }
                case INTERRUPT -> { return new Incoming.Interrupt(); }
                case '$' -> { return packet(); }
                default -> { } // line noise between packets
            }
        }
    }

    private Incoming packet() throws IOException {
        int length = 0, sum = 0;
        boolean tooLong = false;
        while (true) {
            int c = in.read();
            if (c < 0) return new Incoming.Closed();
            if (c == '#') break;
            if (c == '$') { // a new start inside a packet: the old one was cut short, start over
                length = 0;
                sum = 0;
                tooLong = false;
                continue;
            }
            sum += c;
            if (length < buffer.length) buffer[length++] = (byte) c;
            else tooLong = true;
        }
        int hi = in.read(), lo = in.read();
        if (hi < 0 || lo < 0) return new Incoming.Closed();
        int h = Character.digit(hi, 16), l = Character.digit(lo, 16);
        if (h < 0 || l < 0 || (h << 4 | l) != (sum & 0xff)) return new Incoming.BadChecksum();
        if (tooLong) return new Incoming.TooLong();
        return new Incoming.Packet(unescape(buffer, length));
    }

    private static byte[] unescape(byte[] raw, int length) {
        byte[] out = new byte[length];
        int n = 0;
        for (int i = 0; i < length; i++) {
            byte b = raw[i];
            if (b == '}' && i + 1 < length) b = (byte) (raw[++i] ^ 0x20);
            out[n++] = b;
        }
        return Arrays.copyOf(out, n);
    }
}
