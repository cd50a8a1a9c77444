package dev.kvm4j.vmm.gdb;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The sending half: frames payloads as {@code $payload#cs}. Binary payloads (qXfer data) are escaped first, so
 * that {@code $ # } *} in them cannot end the packet or read as run-length encoding. Keeps the last packet for
 * a resend when gdb answers {@code -}. Writes are synchronized: the session and the server's refusal path may
 * both write.
 */
final class PacketWriter {
    private final OutputStream out;
    private byte[] last;

    PacketWriter(OutputStream out) { this.out = out; }

    synchronized void send(String payload) throws IOException { frame(payload.getBytes(StandardCharsets.ISO_8859_1)); }

    /** A reply carrying binary data: a prefix in text, then {@code data} escaped. */
    synchronized void sendBinary(String prefix, byte[] data) throws IOException {
        byte[] p = prefix.getBytes(StandardCharsets.ISO_8859_1);
        byte[] body = new byte[p.length + 2 * data.length];
        System.arraycopy(p, 0, body, 0, p.length);
        int n = p.length;
        for (byte b : data) {
            if (b == '$' || b == '#' || b == '}' || b == '*') {
                body[n++] = '}';
                body[n++] = (byte) (b ^ 0x20);
            } else {
                body[n++] = b;
            }
        }
        frame(java.util.Arrays.copyOf(body, n));
    }

    synchronized void ack() throws IOException {
        out.write('+');
        out.flush();
    }

    synchronized void nak() throws IOException {
        out.write('-');
        out.flush();
    }

    /** Sends the last packet again (gdb said {@code -}). */
    synchronized void resend() throws IOException {
        if (last != null) {
            out.write(last);
            out.flush();
        }
    }

    private void frame(byte[] payload) throws IOException {
        int sum = 0;
        for (byte b : payload) sum += b & 0xff;
        byte[] f = new byte[payload.length + 4];
        f[0] = '$';
        System.arraycopy(payload, 0, f, 1, payload.length);
        f[payload.length + 1] = '#';
        String cs = String.format("%02x", sum & 0xff);
        f[payload.length + 2] = (byte) cs.charAt(0);
        f[payload.length + 3] = (byte) cs.charAt(1);
        last = f;
        out.write(f);
        out.flush();
    }
}
