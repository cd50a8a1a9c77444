package dev.kvm4j.vmm.machine;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The guest's console as a test sees it: everything written so far, and a way to wait for a line. Public for the
 * gdb tests in their own package.
 */
public final class GuestConsole extends OutputStream {
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

    /** {@return everything the guest has written so far} */
    public synchronized String text() { return bytes.toString(StandardCharsets.UTF_8); }

    /** Waits until the console contains {@code marker}; false on timeout. */
    public synchronized boolean await(String marker, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!text().contains(marker)) {
            long left = end - System.nanoTime();
            if (left <= 0) return false;
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }

    /** Waits until the console contains {@code marker} at least {@code n} times (a reboot prints it again). */
    public synchronized boolean awaitCount(String marker, int n, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (count(text(), marker) < n) {
            long left = end - System.nanoTime();
            if (left <= 0) return false;
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }

    /** {@return how many times {@code marker} is in the console so far} */
    public synchronized int count(String marker) { return count(text(), marker); }

    private static int count(String text, String marker) {
        int n = 0;
        for (int at = text.indexOf(marker); at >= 0; at = text.indexOf(marker, at + 1)) n++;
        return n;
    }

    /** Types {@code line} and Enter into {@code m}'s console input, all of it or the test fails. */
    public static void type(Machine m, String line) {
        byte[] b = (line + "\n").getBytes(StandardCharsets.US_ASCII);
        assertEquals(b.length, m.type(b));
    }

    /** How long a booted guest's shell may take to answer one command under emulation. */
    static final Duration ANSWER = Duration.ofMinutes(2);

    /** Types a command whose output is framed by two unique markers and returns what lies between them. */
    String ask(Machine m, String command, String tag) throws InterruptedException {
        String begin = "<<" + tag + ">>", end = "<</" + tag + ">>";
        // The markers are built by the shell so the echo of the typed line does not match them.
        type(m, "T=" + tag + "; echo \"<<$T>>\"; " + command + "; echo \"<</$T>>\"");
        assertTrue(await(end, ANSWER), "no answer to " + command + "; console:\n" + text());
        String text = text();
        int from = text.lastIndexOf(begin), to = text.lastIndexOf(end);
        assertTrue(from >= 0 && from < to, "framing of " + command + " in:\n" + text);
        return text.substring(from + begin.length(), to);
    }
}
