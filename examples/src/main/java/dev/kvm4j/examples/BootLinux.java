package dev.kvm4j.examples;

import dev.kvm4j.arm.run.RunEnd;
import dev.kvm4j.kvm.KvmUnavailableException;
import dev.kvm4j.vmm.MachineConfig;
import dev.kvm4j.vmm.machine.Machine;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Boots a Linux guest with the vmm's {@link Machine}, captures its serial console until a line of the
 * guest's userspace appears, then stops the machine. The default guest (from {@code guests/build}) is a
 * directory with {@code Image} and {@code initramfs-arm64.cpio.gz}, whose {@code /init} prints
 * {@value #MARKER}.
 * <pre>
 * java --module-path MODS --enable-native-access=dev.kvm4j.kvm -m dev.kvm4j.examples/dev.kvm4j.examples.BootLinux GUEST_DIR
 * </pre>
 */
public final class BootLinux {
    private BootLinux() {}

    /** What the default guest's {@code /init} prints first. */
    public static final String MARKER = "KVM4J-USERSPACE-READY";
    private static final long BOOT_TIMEOUT_SECONDS = 600; // under nested emulation a boot takes tens of seconds

    /**
     * Boots the guest in {@code args[0]} (or {@code $KVM4J_DEFAULT_GUEST}) and prints its console up to the marker.
     *
     * @param args the guest directory, optional when {@code KVM4J_DEFAULT_GUEST} names it
     * @throws InterruptedException if interrupted while waiting for the guest
     */
    public static void main(String[] args) throws InterruptedException {
        String dir = args.length > 0 ? args[0] : System.getenv("KVM4J_DEFAULT_GUEST");
        if (dir == null || !Files.isRegularFile(Path.of(dir, "Image"))) {
            System.err.println("BootLinux: give the guest directory (with Image and initramfs-arm64.cpio.gz), e.g. the one guests/build prints");
            System.exit(2);
        }
        MachineConfig config = MachineConfig.builder()
                .kernel(Path.of(dir, "Image"))
                .initrd(Path.of(dir, "initramfs-arm64.cpio.gz"))
                .append("console=ttyAMA0 quiet")
                .cpus(1)
                .memory(256L << 20)
                .build();
        MarkerWatch console = new MarkerWatch(MARKER);
        try (Machine machine = Machine.builder(config).console(console).build()) {
            machine.start(); // a thread per vCPU; the console stream gets the PL011's bytes
            boolean reached = console.seen.await(BOOT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            RunEnd end = machine.stop();
            String text = console.text();
            System.out.print(text);
            // the machine may stop between the marker and the guest's newline after it
            if (!text.isEmpty() && !text.endsWith("\n")) System.out.println();
            System.out.println(reached ? "userspace reached; machine stopped: " + end.message()
                    : "no " + MARKER + " within " + BOOT_TIMEOUT_SECONDS + " s; machine stopped: " + end.message());
            if (!reached) System.exit(1);
        } catch (KvmUnavailableException e) {
            System.err.println("BootLinux: " + e.getMessage());
            System.exit(2);
        }
    }

    /** Keeps what the guest printed and opens a latch once {@code marker} has gone by. */
    private static final class MarkerWatch extends OutputStream {
        private final byte[] marker;
        private final ByteArrayOutputStream text = new ByteArrayOutputStream();
        private final CountDownLatch seen = new CountDownLatch(1);
        private int matched; // bytes of the marker matched so far

        MarkerWatch(String marker) { this.marker = marker.getBytes(StandardCharsets.US_ASCII); }

        @Override
        public synchronized void write(int b) {
            text.write(b);
            // The marker has no repeated prefix, so a mismatch restarts at 0 or 1.
            matched = b == marker[matched] ? matched + 1 : (b == marker[0] ? 1 : 0);
            if (matched == marker.length) {
                seen.countDown();
                matched = 0;
            }
        }

        synchronized String text() { return text.toString(StandardCharsets.UTF_8); }
    }
}
