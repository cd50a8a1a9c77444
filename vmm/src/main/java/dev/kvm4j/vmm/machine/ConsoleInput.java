package dev.kvm4j.vmm.machine;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * Feeds the user's keyboard (stdin) to the UART, and ends with the machine.
 *
 * <p>A read from System.in cannot be interrupted, so a thread blocked in one would outlive the machine
 * (in a library user's JVM, for good) and hand a late keystroke to a UART whose VM is closed. So this
 * thread never blocks in {@code read}: it reads what {@link InputStream#available()} says is there and
 * otherwise sleeps a poll interval, checking for {@link #close}. System.in (terminal, pipe or file), pipes
 * and byte arrays report {@code available()} truthfully; a stream that always answers 0 gives no input.
 *
 * <p>The hand-off to the UART and {@link #close} share a lock: once close returns, no byte reaches the
 * UART again (a keystroke typed after the machine stopped is dropped silently) and the thread has ended.
 */
final class ConsoleInput implements AutoCloseable {
    /** Where bytes go: the UART's receive, which takes what fits in its backlog and says how many. */
    @FunctionalInterface
    interface Receiver {
        int receive(byte[] data, int offset, int length);
    }

    static final String THREAD_NAME = "kvm4j-console-input";
    /** Keystroke latency at worst; 50 wake-ups a second cost nothing measurable, even on an emulated host. */
    private static final long POLL_NANOS = Duration.ofMillis(20).toNanos();
    /** While the guest has not drained the UART's backlog. */
    private static final long BACKLOG_FULL_NANOS = Duration.ofMillis(5).toNanos();

    private final InputStream in;
    private final Receiver uart;
    private final Object handOff = new Object();
    private volatile boolean stopped;
    private final Thread thread;

    private ConsoleInput(InputStream in, Receiver uart) {
        this.in = in;
        this.uart = uart;
        this.thread = Thread.ofPlatform().daemon().name(THREAD_NAME).unstarted(this::run);
    }

    static ConsoleInput start(InputStream in, Receiver uart) {
        ConsoleInput input = new ConsoleInput(in, uart);
        input.thread.start();
        return input;
    }

    private void run() {
        byte[] buf = new byte[256];
        try {
            while (!stopped) {
                int ready = in.available();
                if (ready <= 0) {
                    LockSupport.parkNanos(this, POLL_NANOS);
                    continue;
                }
                int n = in.read(buf, 0, Math.min(ready, buf.length));
                if (n < 0) return;
                deliver(buf, n);
            }
        } catch (IOException e) {
            // stdin closed or unreadable: no more input, the machine runs on
        }
    }

    private void deliver(byte[] buf, int n) {
        int done = 0;
        while (done < n) {
            synchronized (handOff) {
                if (stopped) return;
                done += uart.receive(buf, done, n - done);
            }
            if (done < n) LockSupport.parkNanos(this, BACKLOG_FULL_NANOS);
        }
    }

    /**
     * Stops feeding the UART and waits for the thread to end: a poll interval at most, as it never blocks in
     * read. A stream whose {@code available()} or {@code read} blocks anyway keeps the (daemon) thread; it
     * delivers nothing more.
     */
    @Override
    public void close() {
        synchronized (handOff) {
            stopped = true;
        }
        LockSupport.unpark(thread);
        try {
            thread.join(Duration.ofSeconds(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    boolean ended() {
        return !thread.isAlive();
    }
}
