package dev.kvm4j.vmm.virtio;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.security.SecureRandom;

/**
 * virtio-rng (entropy device, ID 4): fills each device-writable buffer with bytes from the host's
 * non-blocking source ({@code getrandom}/{@code /dev/urandom} through {@link SecureRandom}).
 */
public final class VirtioRng implements VirtioDevice {
    /** The virtio entropy device's ID. */
    public static final int DEVICE_ID = 4;
    static final int QUEUE_SIZE = 256;
    /** A request is served up to this many bytes, so one huge buffer does not hold the device thread. */
    static final int MAX_PER_REQUEST = 64 * 1024;

    private final SecureRandom random;

    /** An entropy device on the host's non-blocking source (a plain SecureRandom where that is missing). */
    public VirtioRng() {
        SecureRandom r;
        try {
            r = SecureRandom.getInstance("NativePRNGNonBlocking");
        } catch (java.security.NoSuchAlgorithmException e) {
            r = new SecureRandom();
        }
        this.random = r;
    }

    @Override public int deviceId() { return DEVICE_ID; }
    @Override public long features() { return 0; }
    @Override public int queueCount() { return 1; }
    @Override public int queueMaxSize(int q) { return QUEUE_SIZE; }
    @Override public byte[] config() { return new byte[0]; }
    @Override public String name() { return "virtio-rng"; }

    @Override
    public int handle(int q, DescriptorChain chain) throws VirtioViolation {
        if (chain.readableLength() != 0) {
            throw new VirtioViolation("entropy request " + chain.head() + " has " + chain.readableLength() + " device-readable bytes: its buffers must be device-writable");
        }
        int n = (int) Math.min(chain.writableLength(), MAX_PER_REQUEST);
        byte[] bytes = new byte[n];
        random.nextBytes(bytes);
        int at = 0;
        for (MemorySegment s : chain.slices(true, 0, n)) {
            MemorySegment.copy(bytes, at, s, ValueLayout.JAVA_BYTE, 0, (int) s.byteSize());
            at += (int) s.byteSize();
        }
        return n;
    }
}
