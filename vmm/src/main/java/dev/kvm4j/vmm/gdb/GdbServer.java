package dev.kvm4j.vmm.gdb;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A GDB remote-protocol server for one {@link DebugTarget}: listens on a TCP address on its own thread and
 * serves one gdb at a time. A second gdb is told why it cannot attach (an {@code E.} reply to its first packet)
 * and disconnected; the first session is not disturbed. A dropped connection detaches, so the guest never
 * waits for a debugger that has gone.
 */
public final class GdbServer implements AutoCloseable {
    private static final int REFUSAL_TIMEOUT_MILLIS = 5000;
    static final String BUSY = "E.another gdb is already connected to this kvm4j machine; detach it first";

    private final ServerSocket listener;
    private final DebugTarget target;
    private final AtomicReference<GdbSession> active = new AtomicReference<>();
    private final CountDownLatch firstConnection = new CountDownLatch(1);
    private final Thread acceptor;

    private GdbServer(ServerSocket listener, DebugTarget target) {
        this.listener = listener;
        this.target = target;
        this.acceptor = Thread.ofPlatform().name("kvm4j-gdb").daemon(true).unstarted(this::acceptLoop);
    }

    /**
     * Listens on {@code address} (port 0: any free port, see {@link #port()}).
     *
     * @param address where to listen
     * @param target what connected gdbs debug
     * @return the running server; close it to stop listening
     * @throws IOException when the address cannot be bound
     */
    public static GdbServer start(InetSocketAddress address, DebugTarget target) throws IOException {
        ServerSocket s = new ServerSocket();
        try {
            s.setReuseAddress(true);
            s.bind(address, 1);
        } catch (IOException e) {
            s.close();
            throw new IOException("cannot listen for gdb on " + address.getHostString() + ":" + address.getPort() + ": " + e.getMessage(), e);
        }
        GdbServer server = new GdbServer(s, target);
        server.acceptor.start();
        return server;
    }

    /**
     * The TCP port listened on (the one chosen when port 0 was asked).
     *
     * @return the local port
     */
    public int port() { return listener.getLocalPort(); }

    /**
     * For {@code --gdb-wait}: blocks until a gdb has connected (true) or {@code timeout} passed (false).
     *
     * @param timeout how long to wait at most
     * @return whether a gdb has connected
     * @throws InterruptedException when the waiting thread is interrupted
     */
    public boolean awaitConnection(Duration timeout) throws InterruptedException {
        return firstConnection.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Whether a gdb is connected now.
     *
     * @return true while a gdb session is open
     */
    public boolean connected() { return active.get() != null; }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            Socket s;
            try {
                s = listener.accept();
            } catch (SocketException closed) {
                return;
            } catch (IOException e) {
                continue;
            }
            GdbSession session = new GdbSession(s, target, () -> active.set(null));
            if (active.compareAndSet(null, session)) {
                firstConnection.countDown();
                Thread.ofPlatform().name("kvm4j-gdb-session").daemon(true).start(session);
            } else {
                Thread.ofPlatform().name("kvm4j-gdb-refusal").daemon(true).start(() -> refuse(s));
            }
        }
    }

    /** Answers the second gdb's first packet with why, then closes; gdb shows the text. */
    private static void refuse(Socket s) {
        try (s) {
            s.setSoTimeout(REFUSAL_TIMEOUT_MILLIS);
            PacketReader reader = new PacketReader(new java.io.BufferedInputStream(s.getInputStream()));
            PacketWriter writer = new PacketWriter(s.getOutputStream());
            while (true) {
                PacketReader.Incoming in = reader.next();
                if (in instanceof PacketReader.Incoming.Closed) return;
                if (in instanceof PacketReader.Incoming.Packet) {
                    writer.ack();
                    writer.send(BUSY);
                    return;
                }
            }
        } catch (IOException e) {
            // it went away or said nothing in time: nothing to do
        }
    }

    /** Stops listening and ends a connected session (which detaches the target). */
    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException ignored) {
            // closing a listener does not fail in a way worth reporting
        }
        GdbSession s = active.get();
        if (s != null) s.close();
    }

}
