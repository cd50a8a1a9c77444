package dev.kvm4j.vmm.control;

import dev.kvm4j.vmm.BadInputException;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Listens on a Unix domain socket and answers {@link ControlProtocol} lines, one client thread each. The
 * socket file is created here and removed on close; an existing file is refused rather than replaced (it
 * may be another machine's socket).
 */
public final class ControlServer implements AutoCloseable {
    private final Path path;
    private final ServerSocketChannel server;
    private final Controllable machine;
    private final Set<SocketChannel> clients = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private volatile boolean closed;

    private ControlServer(Path path, ServerSocketChannel server, Controllable machine) {
        this.path = path;
        this.server = server;
        this.machine = machine;
        this.acceptor = Thread.ofPlatform().daemon().name("kvm4j-control").unstarted(this::acceptLoop);
    }

    /**
     * Creates the socket at {@code path} and starts answering clients on a daemon thread.
     *
     * @param path where the socket file is created; must not exist yet
     * @param machine what the commands act on
     * @return the listening server; close it to stop listening and remove the socket file
     * @throws BadInputException when {@code path} exists or the socket cannot be bound there
     */
    public static ControlServer open(Path path, Controllable machine) {
        if (Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new BadInputException("--control " + path + " already exists: remove it, or name another socket");
        }
        try {
            ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                s.bind(UnixDomainSocketAddress.of(path));
            } catch (IOException e) {
                s.close();
                throw e;
            }
            ControlServer c = new ControlServer(path, s, machine);
            c.acceptor.start();
            return c;
        } catch (IOException e) {
            throw new BadInputException("--control " + path + ": cannot listen there: " + e.getMessage(), e);
        }
    }

    /**
     * The socket file this server listens on.
     *
     * @return the path given to {@link #open}
     */
    public Path path() { return path; }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            clients.add(client);
            Thread.ofPlatform().daemon().name("kvm4j-control-client").start(() -> serve(client));
        }
    }

    /** Reads lines byte by byte up to {@link ControlProtocol#MAX_LINE}; a longer line is answered and the client dropped. */
    private void serve(SocketChannel client) {
        try (client; var in = Channels.newInputStream(client); var out = Channels.newOutputStream(client)) {
            byte[] line = new byte[ControlProtocol.MAX_LINE];
            int n = 0;
            int b;
            while ((b = in.read()) >= 0) {
                if (b == '\n') {
                    String answer = ControlProtocol.answer(new String(line, 0, n, StandardCharsets.UTF_8), machine);
                    out.write((answer + "\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    n = 0;
                } else if (n == line.length) {
                    out.write(("error line longer than " + ControlProtocol.MAX_LINE + " bytes\n").getBytes(StandardCharsets.UTF_8));
                    return;
                } else {
                    line[n++] = (byte) b;
                }
            }
        } catch (IOException e) {
            // the client went away: nothing to answer
        } finally {
            clients.remove(client);
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        // A client being answered (a quit, say) gets its line before its connection goes.
        long deadline = System.nanoTime() + 500_000_000L;
        while (!clients.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (SocketChannel c : clients) {
            try {
                c.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        try {
            acceptor.join(1000);
            Files.deleteIfExists(path);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException ignored) {
            // a socket file left behind is refused by the next --control with a clear line
        }
    }

    /**
     * A client's side, for tests and scripts: one command, one answer.
     *
     * @param path the server's socket file
     * @param command one command line, without its newline
     * @return the server's answer line, without its newline
     * @throws IOException when the socket cannot be reached or closes before answering
     */
    public static String ask(Path path, String command) throws IOException {
        try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            c.write(ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.UTF_8)));
            var in = Channels.newInputStream(c);
            StringBuilder sb = new StringBuilder();
            int b;
            while ((b = in.read()) >= 0 && b != '\n') sb.append((char) b);
            return sb.toString();
        }
    }
}
