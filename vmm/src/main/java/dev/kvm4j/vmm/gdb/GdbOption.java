package dev.kvm4j.vmm.gdb;

import java.net.InetSocketAddress;

/**
 * {@code --gdb tcp::PORT} or {@code tcp:HOST:PORT} (host 127.0.0.1 when left out: a debugger can write guest
 * memory, so it listens on loopback unless asked), and {@code --gdb-wait}: every vCPU parked before its first
 * instruction until gdb continues.
 *
 * @param host the address to listen on
 * @param port the TCP port, 0 to 65535 (0: any free port)
 * @param waitForGdb whether the vCPUs wait for gdb before their first instruction
 */
public record GdbOption(String host, int port, boolean waitForGdb) {
    /** The host when {@code --gdb} names none: loopback only. */
    public static final String DEFAULT_HOST = "127.0.0.1";

    /**
     * Checks the port.
     *
     * @throws IllegalArgumentException when {@code port} is outside 0 to 65535
     */
    public GdbOption {
        if (port < 0 || port > 65535) throw new IllegalArgumentException("--gdb port " + port + " is out of range: 0 to 65535");
    }

    /**
     * Parses {@code tcp:[HOST]:PORT}; a wrong form says what is expected.
     *
     * @param text the {@code --gdb} value
     * @param wait whether {@code --gdb-wait} was given
     * @return the option
     * @throws IllegalArgumentException when {@code text} is not of that form or the port is out of range
     */
    public static GdbOption parse(String text, boolean wait) {
        String usage = "--gdb " + text + ": expected tcp::PORT or tcp:HOST:PORT, e.g. tcp::1234";
        if (!text.startsWith("tcp:")) throw new IllegalArgumentException(usage);
        String rest = text.substring("tcp:".length());
        int colon = rest.lastIndexOf(':');
        if (colon < 0) throw new IllegalArgumentException(usage);
        String host = rest.substring(0, colon);
        int port;
        try {
            port = Integer.parseInt(rest.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(usage);
        }
        return new GdbOption(host.isEmpty() ? DEFAULT_HOST : host, port, wait);
    }

    /**
     * The address the gdb server listens on.
     *
     * @return host and port as a socket address
     */
    public InetSocketAddress address() { return new InetSocketAddress(host, port); }
}
