package dev.kvm4j.vmm.control;

import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * Inside the rig: bridges a virtio-serial port whose host side is a listening socket (rig/exec --forward) to a
 * socket in the rig, so a host client reaches kvm4j's {@code --control} socket or gdb stub. A host connection
 * is one connection here, opened at its first byte (the target may still be starting: retried for 3 min).
 * The port reads end-of-file while no host client is connected: that closes the connection here.
 *
 * Usage: PortRelay /dev/vportNpM unix:PATH | tcp:HOST:PORT
 */
public final class PortRelay {
    private static final long CONNECT_PATIENCE_NANOS = 180_000_000_000L;

    private final Path port;
    private final SocketAddress target;

    PortRelay(Path port, SocketAddress target) {
        this.port = port;
        this.target = target;
    }

    /**
     * Runs the relay until the process is killed.
     *
     * @param args the virtio-serial port device and the target, {@code unix:PATH} or {@code tcp:HOST:PORT}
     * @throws Exception when the port cannot be opened or the relay fails
     */
    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: PortRelay /dev/vportNpM unix:PATH|tcp:HOST:PORT");
            System.exit(2);
        }
        new PortRelay(Path.of(args[0]), target(args[1])).run();
    }

    /** {@code unix:PATH} or {@code tcp:HOST:PORT} (HOST empty: 127.0.0.1). */
    static SocketAddress target(String text) {
        if (text.startsWith("unix:") && text.length() > 5) return UnixDomainSocketAddress.of(text.substring(5));
        int colon = text.lastIndexOf(':');
        if (text.startsWith("tcp:") && colon >= 4) {
            String host = text.substring(4, colon);
            try {
                return new InetSocketAddress(host.isEmpty() ? "127.0.0.1" : host, Integer.parseInt(text.substring(colon + 1)));
            } catch (IllegalArgumentException e) { // a bad port number too
                // said below
            }
        }
        throw new IllegalArgumentException("PortRelay target " + text + ": expected unix:PATH or tcp:HOST:PORT");
    }

    /**
     * One open of the port for both directions (a virtio port opens once): reads and writes on its descriptor
     * through separate streams, which share no lock, so a blocked read never holds up an answer.
     */
    void run() throws IOException, InterruptedException {
        try (RandomAccessFile device = new RandomAccessFile(port.toFile(), "rw");
             InputStream fromHost = new FileInputStream(device.getFD());
             OutputStream toHost = new FileOutputStream(device.getFD())) {
            byte[] buf = new byte[8192];
            SocketChannel peer = null;
            Thread back = null;
            while (true) {
                int n = fromHost.read(buf);
                if (n <= 0) { // no host client (yet, or any more)
                    if (peer != null) {
                        peer.close();
                        back.join();
                        peer = null;
                    }
                    Thread.sleep(100);
                    continue;
                }
                if (peer == null) {
                    peer = connect();
                    if (peer == null) continue; // said why; the host client's bytes are dropped
                    SocketChannel p = peer;
                    back = Thread.ofPlatform().daemon().name("kvm4j-relay-back").start(() -> copy(p, toHost));
                }
                try {
                    Channels.newOutputStream(peer).write(buf, 0, n);
                } catch (IOException e) {
                    peer.close(); // the target closed: the next host bytes open a new connection
                    back.join();
                    peer = null;
                }
            }
        }
    }

    private SocketChannel connect() throws InterruptedException {
        long end = System.nanoTime() + CONNECT_PATIENCE_NANOS;
        while (true) {
            try {
                SocketChannel c = SocketChannel.open(target instanceof UnixDomainSocketAddress ? StandardProtocolFamily.UNIX : StandardProtocolFamily.INET);
                try {
                    c.connect(target);
                    return c;
                } catch (IOException e) {
                    c.close();
                    throw e;
                }
            } catch (IOException e) {
                if (System.nanoTime() > end) {
                    System.err.println("kvm4j relay: cannot reach " + target + ": " + e.getMessage());
                    return null;
                }
                Thread.sleep(200);
            }
        }
    }

    private static void copy(SocketChannel from, OutputStream to) {
        byte[] buf = new byte[8192];
        try (InputStream in = Channels.newInputStream(from)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                to.write(buf, 0, n);
                to.flush();
            }
        } catch (IOException e) {
            // the connection was closed by either side
        }
    }
}
