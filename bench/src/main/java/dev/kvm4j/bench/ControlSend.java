package dev.kvm4j.bench;

import java.nio.file.Path;

/**
 * Sends one line to a kvm4j control socket and prints the answer: the rig's root fs has no socat, and busybox
 * nc speaks no Unix sockets. Waits up to 3 minutes for the socket to appear (a VMM still starting).
 *
 * Usage: ControlSend SOCKET COMMAND...   (exit 0 on an "ok" answer, 1 otherwise)
 */
public final class ControlSend {
    private ControlSend() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: ControlSend SOCKET COMMAND...");
            System.exit(2);
        }
        try (LineSocket s = LineSocket.connect(Path.of(args[0]), 180_000)) {
            s.send(String.join(" ", java.util.Arrays.asList(args).subList(1, args.length)));
            String answer = s.readLine();
            System.out.println(answer);
            System.exit(answer.startsWith("ok") ? 0 : 1);
        }
    }
}
