package dev.kvm4j.bench;

import java.io.File;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One run of a VMM with every console line stamped with the host time its first character arrived
 * (milliseconds since the process was started), and the process's wall-clock start for matching against
 * timestamps the VMM prints itself.
 */
record ConsoleRecord(List<String> command, long startEpochMicros, List<Line> lines) {
    static final String MARKER = "KVM4J-USERSPACE-READY";

    record Line(double ms, String text) {}

    /** Runs {@code command} to its end (at most 5 minutes) with stdin from /dev/null. */
    static ConsoleRecord run(List<String> command) throws Exception {
        long epoch0 = currentMicros();
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectInput(new File("/dev/null")).start();
        List<Line> lines = new ArrayList<>();
        try (InputStream in = p.getInputStream(); Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
            StringBuilder sb = new StringBuilder();
            double lineStart = -1;
            int ch;
            while ((ch = r.read()) >= 0) {
                if (lineStart < 0) lineStart = (System.nanoTime() - t0) / 1e6;
                if (ch == '\n') {
                    lines.add(new Line(lineStart, strip(sb)));
                    sb.setLength(0);
                    lineStart = -1;
                } else {
                    sb.append((char) ch);
                }
            }
            if (!sb.isEmpty()) lines.add(new Line(lineStart, strip(sb)));
        }
        if (!p.waitFor(5, TimeUnit.MINUTES)) p.destroyForcibly();
        ConsoleRecord rec = new ConsoleRecord(List.copyOf(command), epoch0, lines);
        if (rec.at(MARKER) < 0) throw new IllegalStateException(command.get(0) + " never reached the marker; its output ends:\n" + rec.tail(30));
        return rec;
    }

    /** Host milliseconds of the first line containing {@code text}, or -1. */
    double at(String text) {
        for (Line l : lines) if (l.text().contains(text)) return l.ms();
        return -1;
    }

    String tail(int n) {
        StringBuilder sb = new StringBuilder();
        for (Line l : lines.subList(Math.max(0, lines.size() - n), lines.size())) sb.append(l.text()).append('\n');
        return sb.toString();
    }

    private static String strip(StringBuilder sb) {
        int n = sb.length();
        if (n > 0 && sb.charAt(n - 1) == '\r') sb.setLength(n - 1);
        return sb.toString();
    }

    private static long currentMicros() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
    }
}
