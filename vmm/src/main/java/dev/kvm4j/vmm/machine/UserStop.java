package dev.kvm4j.vmm.machine;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C (SIGINT) or SIGTERM while a machine runs: a shutdown hook stops the machine, then holds the JVM's
 * exit until the runner has flushed the console and printed its last line ({@link #close}), so the user
 * sees the guest's final output and why kvm4j ended. The JVM halts as soon as its hooks return; without
 * the wait, the main thread would be cut off mid-message.
 */
final class UserStop implements AutoCloseable {
    /** Longer than the console's patience with a stalled terminal: the hook must not cut the drain short. */
    static final Duration GRACE = ConsoleOutput.DEFAULT_PATIENCE.multipliedBy(3);

    private final CountDownLatch finished = new CountDownLatch(1);
    private final Thread hook;

    private UserStop(Runnable stop) {
        hook = new Thread(() -> {
            stop.run();
            try {
                finished.await(GRACE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                // the JVM is going either way
            }
        }, "kvm4j-user-stop");
    }

    /** Installs the hook; {@code stop} asks the machine to end (the run loop's stop). */
    static UserStop install(Runnable stop) {
        UserStop s = new UserStop(stop);
        Runtime.getRuntime().addShutdownHook(s.hook);
        return s;
    }

    /** The machine has said its last line: a running hook may let the JVM go, and a future signal is not ours. */
    @Override
    public void close() {
        finished.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running (that is why the machine ended); the count-down above releases it
        }
    }
}
