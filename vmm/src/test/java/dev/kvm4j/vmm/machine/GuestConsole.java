package dev.kvm4j.vmm.machine;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** The guest's console as a test sees it: everything written so far, and a way to wait for a line. */
final class GuestConsole extends OutputStream {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    @Override
    public synchronized void write(int b) {
        bytes.write(b);
        notifyAll();
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        bytes.write(b, off, len);
        System.out.write(b, off, len); // so a failing run's console is in the test log
        notifyAll();
    }

    synchronized String text() { return bytes.toString(StandardCharsets.UTF_8); }

    /** Waits until the console contains {@code marker}; false on timeout. */
    synchronized boolean await(String marker, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!text().contains(marker)) {
            long left = end - System.nanoTime();
            if (left <= 0) return false;
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }
}
