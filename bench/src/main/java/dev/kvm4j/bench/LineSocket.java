package dev.kvm4j.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** A line-based Unix socket client: kvm4j's control socket and QEMU's QMP both speak one line per message. */
final class LineSocket implements AutoCloseable {
    private final SocketChannel channel;
    private final BufferedReader in;

    private LineSocket(SocketChannel channel) {
        this.channel = channel;
        this.in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
    }

    /** Connects, retrying every millisecond while the VMM has not created the socket yet. */
    static LineSocket connect(Path socket, long timeoutMs) throws Exception {
        long end = System.currentTimeMillis() + timeoutMs;
        while (true) {
            try {
                return new LineSocket(SocketChannel.open(UnixDomainSocketAddress.of(socket)));
            } catch (IOException e) {
                if (System.currentTimeMillis() > end) throw new IOException("no VMM socket at " + socket + " after " + timeoutMs + " ms", e);
                Thread.sleep(1);
            }
        }
    }

    void send(String line) throws IOException {
        ByteBuffer b = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) channel.write(b);
    }

    String readLine() throws IOException {
        String l = in.readLine();
        if (l == null) throw new IOException("the VMM closed its socket");
        return l;
    }

    @Override
    public void close() throws IOException { channel.close(); }
}
