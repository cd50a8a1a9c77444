package dev.kvm4j.vmm.machine;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Objects;

/**
 * The guest's console between the UART (written from vCPU threads) and the user's stdout: a bounded ring
 * buffer emptied by a writer thread, so a stalled terminal never stalls a vCPU or the run loop's kick.
 *
 * <p>When the ring is full the <em>oldest</em> waiting bytes are dropped: after a stall the user sees the
 * guest's latest output (a panic, a prompt) rather than stale boot chatter. Dropped bytes are counted and
 * {@link #close} reports the total, which the runner prints at exit. {@link #flush} never blocks: the writer
 * flushes the stream each time it has emptied the ring.
 *
 * <p>{@link #close} waits for the ring to drain while the stream keeps taking bytes, and gives up after a
 * {@code patience} without progress: a stream blocked forever costs that long once, never a hang. A writer
 * thread stuck in such a stream stays parked there (it is a daemon and writes nothing more if it wakes).
 */
final class ConsoleOutput extends OutputStream {
    static final int DEFAULT_CAPACITY = 256 * 1024;
    static final Duration DEFAULT_PATIENCE = Duration.ofSeconds(2);
    /** The most the writer hands the stream in one write. */
    private static final int CHUNK = 8192;

    private final OutputStream out;
    private final byte[] ring;
    private int head, count;
    /** Taken from the ring by the writer and not yet through the stream's write (and flush, when it was the last). */
    private int inFlight;
    private long dropped, delivered;
    private boolean closed;
    private IOException error;
    private final Thread writer;

    ConsoleOutput(OutputStream out) {
        this(out, DEFAULT_CAPACITY);
    }

    ConsoleOutput(OutputStream out, int capacity) {
        if (capacity < 1) throw new IllegalArgumentException("capacity " + capacity);
        this.out = Objects.requireNonNull(out);
        this.ring = new byte[capacity];
        this.writer = Thread.ofPlatform().daemon().name("kvm4j-console-output").unstarted(this::drain);
        writer.start();
    }

    @Override
    public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    /** Never blocks on the stream: bytes wait in the ring, or push the oldest out of it. */
    @Override
    public synchronized void write(byte[] b, int off, int len) {
        Objects.checkFromIndexSize(off, len, b.length);
        if (closed || error != null) {
            dropped += len;
            return;
        }
        if (len > ring.length) { // only the newest ring-full can be kept
            dropped += len - ring.length;
            off += len - ring.length;
            len = ring.length;
        }
        int overflow = count + len - ring.length;
        if (overflow > 0) {
            head = (head + overflow) % ring.length;
            count -= overflow;
            dropped += overflow;
        }
        int tail = (head + count) % ring.length;
        int first = Math.min(len, ring.length - tail);
        System.arraycopy(b, off, ring, tail, first);
        System.arraycopy(b, off + first, ring, 0, len - first);
        count += len;
        notifyAll();
    }

    /** The writer flushes the stream whenever the ring runs empty; nothing to wait for here. */
    @Override
    public void flush() {}

    /** Bytes dropped so far: pushed out of a full ring, written after close, or left when the stream stalled or failed. */
    synchronized long dropped() {
        return dropped;
    }

    /** The stream's first failure (after which output is dropped), or null. */
    synchronized IOException error() {
        return error;
    }

    @Override
    public void close() {
        close(DEFAULT_PATIENCE);
    }

    /**
     * Lets the writer empty the ring while the stream makes progress, then stops it.
     *
     * @param patience how long the stream may take no bytes before what is left counts as dropped
     * @return the bytes dropped over the console's life
     */
    long close(Duration patience) {
        boolean stuck;
        synchronized (this) {
            if (closed) return dropped;
            long seen = delivered, deadline = System.nanoTime() + patience.toNanos();
            while ((count > 0 || inFlight > 0) && error == null) {
                if (delivered != seen) { // progress: the stream is slow, not stuck
                    seen = delivered;
                    deadline = System.nanoTime() + patience.toNanos();
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) break;
                try {
                    wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            stuck = inFlight > 0;
            dropped += count + inFlight;
            count = 0;
            inFlight = 0;
            closed = true;
            notifyAll();
        }
        // An idle writer leaves at once; one stuck in the stream is left there, as the class comment says.
        if (!stuck) {
            try {
                writer.join(patience.toMillis() + 1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return dropped();
    }

    /** True once the writer thread has ended; for tests. */
    boolean writerEnded() {
        return !writer.isAlive();
    }

    private void drain() {
        byte[] chunk = new byte[Math.min(CHUNK, ring.length)];
        while (true) {
            int n;
            synchronized (this) {
                while (count == 0 && !closed) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        return; // nobody interrupts it; if someone does, the console is going away
                    }
                }
                if (closed) return;
                n = Math.min(count, chunk.length);
                int first = Math.min(n, ring.length - head);
                System.arraycopy(ring, head, chunk, 0, first);
                System.arraycopy(ring, 0, chunk, first, n - first);
                head = (head + n) % ring.length;
                count -= n;
                inFlight = n;
            }
            IOException failed = null;
            try {
                out.write(chunk, 0, n);
                if (isEmpty()) out.flush();
            } catch (IOException e) {
                failed = e;
            }
            synchronized (this) {
                if (closed) return; // close gave up on this chunk and counted it as dropped
                inFlight = 0;
                if (failed != null) {
                    error = failed;
                    dropped += n + count;
                    count = 0;
                } else {
                    delivered += n;
                }
                notifyAll();
                if (failed != null) return;
            }
        }
    }

    private synchronized boolean isEmpty() {
        return count == 0;
    }
}
