package dev.kvm4j.bench;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A VMM process that stays up while the benchmark talks to it: its console is read on a thread (so the
 * pipe never fills), lines kept for the error message, and {@link #awaitLine} waits for one.
 */
final class LiveVmm implements AutoCloseable {
    final long startNanos;
    private final Process process;
    private final List<String> lines = new ArrayList<>();

    LiveVmm(List<String> command) throws Exception {
        startNanos = System.nanoTime();
        process = new ProcessBuilder(command).redirectErrorStream(true).redirectInput(new File("/dev/null")).start();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                    synchronized (lines) { lines.add(l); lines.notifyAll(); }
                }
            } catch (Exception e) {
                // the process went away: awaitLine reports it
            }
            synchronized (lines) { lines.add(null); lines.notifyAll(); }
        }, "console-" + command.get(0));
        reader.setDaemon(true);
        reader.start();
    }

    /** Waits until a console line contains {@code text}; fails with the console's tail when the VMM ends first. */
    void awaitLine(String text, long timeoutMs) throws Exception {
        long end = System.currentTimeMillis() + timeoutMs;
        synchronized (lines) {
            for (int seen = 0; ; ) {
                while (seen < lines.size()) {
                    String l = lines.get(seen++);
                    if (l == null) throw new IllegalStateException("the VMM ended before '" + text + "'; its output ends:\n" + tail());
                    if (l.contains(text)) return;
                }
                long left = end - System.currentTimeMillis();
                if (left <= 0) throw new IllegalStateException("no '" + text + "' after " + timeoutMs + " ms; the output ends:\n" + tail());
                lines.wait(left);
            }
        }
    }

    /** The first console line containing {@code text}, or null. */
    String lineWith(String text) {
        synchronized (lines) {
            for (String l : lines) if (l != null && l.contains(text)) return l;
            return null;
        }
    }

    /** Milliseconds since the process was started. */
    double sinceStart() { return (System.nanoTime() - startNanos) / 1e6; }

    String tail() {
        synchronized (lines) {
            StringBuilder sb = new StringBuilder();
            for (String l : lines.subList(Math.max(0, lines.size() - 30), lines.size())) if (l != null) sb.append(l).append('\n');
            return sb.toString();
        }
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
    }
}
