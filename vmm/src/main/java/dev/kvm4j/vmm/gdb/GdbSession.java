package dev.kvm4j.vmm.gdb;

import java.io.IOException;
import java.net.Socket;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * One gdb connection. A reader thread turns the socket's bytes into {@link PacketReader.Incoming}s; the target
 * reports stops from its own threads; both land in one bounded queue, and this session's thread handles them in
 * order, so the protocol state has a single owner. When the connection ends for any reason other than gdb's
 * {@code D} or {@code k}, the target is detached: breakpoints out, the guest runs on.
 */
final class GdbSession implements Runnable {
    private static final int QUEUE = 256;
    /** Where the stub's own failures go (kvm4j's code, not gdb's packets): the platform logger, stderr by default. */
    static final System.Logger LOG = System.getLogger("dev.kvm4j.vmm.gdb");

    private final Socket socket;
    private final DebugTarget target;
    private final GdbCommands commands;
    private final BlockingQueue<Object> events = new ArrayBlockingQueue<>(QUEUE);
    private final Runnable onEnd;
    private boolean running, acks = true, finished;

    GdbSession(Socket socket, DebugTarget target, Runnable onEnd) {
        this.socket = socket;
        this.target = target;
        this.commands = new GdbCommands(target);
        this.onEnd = onEnd;
    }

    /** What the target reports, queued for the session thread. */
    private record Stop(StopEvent event) {}

    @Override
    public void run() {
        boolean detached = false;
        try (socket) {
            socket.setTcpNoDelay(true);
            target.attach();
            PacketReader reader = new PacketReader(new java.io.BufferedInputStream(socket.getInputStream()));
            PacketWriter writer = new PacketWriter(new java.io.BufferedOutputStream(socket.getOutputStream()));
            Thread.ofPlatform().name("kvm4j-gdb-reader").daemon(true).start(() -> readLoop(reader));
            while (!finished) {
                Object e = events.take();
                switch (e) {
                    case PacketReader.Incoming.Packet p -> detached = packet(p, writer);
                    case PacketReader.Incoming.Interrupt i -> { if (running) target.interrupt(); }
                    case PacketReader.Incoming.Nak n -> writer.resend();
                    case PacketReader.Incoming.BadChecksum b -> writer.nak();
                    case PacketReader.Incoming.TooLong t -> {
                        if (acks) writer.ack();
                        writer.send("E" + String.format("%02x", GdbCommands.EINVAL));
                    }
                    case PacketReader.Incoming.Closed c -> finished = true;
                    case Stop s -> {
                        if (!running) break;
                        running = false;
                        writer.send(commands.stopReply(s.event()));
                        if (s.event() instanceof StopEvent.Exited) {
                            finished = true;
                            detached = true; // nothing left to detach from
                        }
                    }
                    default -> { }
                }
            }
        } catch (IOException | InterruptedException e) {
            // the connection broke: handled like a close
        } catch (RuntimeException e) {
            // a bug here must not take the guest down with it: detach below, and say so
            LOG.log(System.Logger.Level.WARNING, "gdb stub: internal error, closing the gdb connection and detaching", e);
        } finally {
            if (!detached) {
                try {
                    target.detach();
                } catch (RuntimeException ignored) {
                    // the guest keeps whatever state it has; nothing better to do without gdb
                }
            }
            onEnd.run();
        }
    }

    /** Handles one packet; true when the session ended by detach or kill. */
    private boolean packet(PacketReader.Incoming.Packet p, PacketWriter writer) throws IOException {
        if (acks) writer.ack();
        Reply r = commands.handle(p.text(), event -> events.offer(new Stop(event)));
        switch (r) {
            case Reply.Text t -> writer.send(t.payload());
            case Reply.Binary b -> writer.sendBinary(b.prefix(), b.data());
            case Reply.Resumed x -> running = true;
            case Reply.Detached d -> {
                writer.send(d.payload());
                finished = true;
                return true;
            }
            case Reply.Killed k -> {
                finished = true;
                return true;
            }
        }
        if (commands.noAckRequested()) acks = false;
        return false;
    }

    /** The start of a packet for a log line (a packet is up to the reader's limit long). */
    static String excerpt(String packet) { return packet.length() <= 40 ? packet : packet.substring(0, 40) + "…"; }

    private void readLoop(PacketReader reader) {
        while (true) {
            PacketReader.Incoming in;
            try {
                in = reader.next();
            } catch (IOException e) {
                in = new PacketReader.Incoming.Closed();
            }
            try {
                events.put(in);
            } catch (InterruptedException e) {
                return;
            }
            if (in instanceof PacketReader.Incoming.Closed) return;
        }
    }

    /** Ends the session from outside (server shutdown): closing the socket ends the reader, which ends the loop. */
    void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }
}
