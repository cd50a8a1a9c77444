package dev.kvm4j.vmm.gdb;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A minimal gdb side for tests: frames packets, checks the stub's acks and checksums. */
final class RspClient implements AutoCloseable {
    final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    boolean acks = true;

    RspClient(int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port));
        socket.setSoTimeout(30_000);
        socket.setTcpNoDelay(true); // gdb does too; without it each ack waits for a delayed ACK
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    static String frame(String payload) {
        int sum = 0;
        for (byte b : payload.getBytes(StandardCharsets.ISO_8859_1)) sum += b & 0xff;
        return "$" + payload + "#" + String.format("%02x", sum & 0xff);
    }

    void raw(String bytes) throws IOException {
        out.write(bytes.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** Sends a command and returns the reply payload (with the stub's ack checked first). */
    String ask(String payload) throws IOException {
        raw(frame(payload));
        if (acks) expectAck();
        return reply();
    }

    void expectAck() throws IOException {
        int c = in.read();
        if (c != '+') throw new AssertionError("expected the stub's +, got " + (c < 0 ? "EOF" : "'" + (char) c + "'"));
    }

    int read() throws IOException { return in.read(); }

    /** The next packet from the stub, escapes left in; acked. */
    String reply() throws IOException {
        int c;
        while ((c = in.read()) != '$') if (c < 0) throw new IOException("closed");
        StringBuilder s = new StringBuilder();
        int sum = 0;
        while ((c = in.read()) != '#') {
            if (c < 0) throw new IOException("closed");
            s.append((char) c);
            sum += c;
        }
        String cs = "" + (char) in.read() + (char) in.read();
        if (Integer.parseInt(cs, 16) != (sum & 0xff)) throw new AssertionError("bad checksum from the stub: " + s);
        if (acks) raw("+");
        return s.toString();
    }

    @Override
    public void close() throws IOException { socket.close(); }
}
