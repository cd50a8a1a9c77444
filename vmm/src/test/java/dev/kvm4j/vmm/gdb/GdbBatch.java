package dev.kvm4j.vmm.gdb;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real gdb in batch mode running a generated script ({@code -ex} per command: one failing command does not end
 * the rest, as it would in a {@code -x} file), its output collected as it comes so a test can act on it (type into
 * the guest once gdb says "Continuing."). Every line also goes to the test log.
 */
final class GdbBatch implements AutoCloseable {
    /** Debian's gdb-multiarch where installed (the host), else the rig's native arm64 gdb (it knows arm too). */
    static Optional<String> binary() {
        for (String name : List.of("gdb-multiarch", "gdb")) if (onPath(name)) return Optional.of(name);
        return Optional.empty();
    }

    private final Process process;
    private final StringBuilder out = new StringBuilder();
    private final Thread pump;
    private final long started = System.nanoTime();

    private GdbBatch(Process process) {
        this.process = process;
        this.pump = Thread.ofPlatform().daemon().name("gdb-output").start(this::pump);
    }

    static GdbBatch start(String gdb, List<String> commands) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(gdb, "-batch", "-nx"));
        for (String c : commands) cmd.addAll(List.of("-ex", c));
        System.out.println("gdb script: " + String.join(" | ", commands));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        return new GdbBatch(p);
    }

    private void pump() {
        try (InputStream in = process.getInputStream()) {
            byte[] b = new byte[4096];
            for (int n; (n = in.read(b)) > 0; ) {
                String s = new String(b, 0, n, StandardCharsets.UTF_8);
                // seconds since gdb started on each line: a step that stalls shows where it sits in the log
                String at = String.format("gdb %6.1f| ", (System.nanoTime() - started) / 1e9);
                System.out.print(s.replaceAll("(?m)^", java.util.regex.Matcher.quoteReplacement(at)));
                synchronized (this) {
                    out.append(s);
                    notifyAll();
                }
            }
        } catch (IOException e) {
            // gdb ended
        }
    }

    synchronized String output() { return out.toString(); }

    /** Waits for {@code text} in gdb's output; false when gdb ended or the time passed without it. */
    synchronized boolean await(String text, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!out.toString().contains(text)) {
            long left = end - System.nanoTime();
            if (left <= 0 || (!process.isAlive() && !pump.isAlive())) return false;
            wait(Math.max(1, Math.min(1000, left / 1_000_000)));
        }
        return true;
    }

    /** Waits for gdb to finish its script; its whole output, or an AssertionError with it when gdb hangs. */
    String finish(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor();
            pump.join(5000);
            throw new AssertionError("gdb did not finish its script in " + timeout + "; its output:\n" + output());
        }
        pump.join(5000);
        return output();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) process.destroyForcibly().waitFor();
    }

    private static boolean onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) return false;
        for (String dir : path.split(":")) if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) return true;
        return false;
    }
}
