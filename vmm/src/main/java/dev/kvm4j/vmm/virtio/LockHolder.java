package dev.kvm4j.vmm.virtio;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Names the process holding a POSIX lock on a file, from {@code /proc/locks}, for the "disk in use" message. */
final class LockHolder {
    private LockHolder() {}

    /** " (locked by process 1234: java … kvm4j run)" or "" when it cannot be told. */
    static String describe(Path path) {
        try {
            long inode = ((Number) Files.getAttribute(path, "unix:ino")).longValue();
            for (String line : Files.readAllLines(Path.of("/proc/locks"))) {
                // "1: POSIX  ADVISORY  WRITE 1234 08:01:5678 0 EOF"
                String[] f = line.trim().split("\\s+");
                if (f.length < 6 || !f[5].endsWith(":" + inode)) continue;
                String pid = f[4];
                String cmd = "";
                try {
                    cmd = new String(Files.readAllBytes(Path.of("/proc", pid, "cmdline")), StandardCharsets.UTF_8).replace('\0', ' ').trim();
                } catch (IOException ignored) { }
                if (cmd.length() > 80) cmd = cmd.substring(0, 77) + "...";
                return " (locked by process " + pid + (cmd.isEmpty() ? "" : ": " + cmd) + ")";
            }
        } catch (IOException | RuntimeException ignored) { }
        return "";
    }
}
