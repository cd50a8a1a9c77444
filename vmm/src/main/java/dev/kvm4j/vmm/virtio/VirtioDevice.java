package dev.kvm4j.vmm.virtio;

/**
 * A virtio device behind a {@link VirtioMmio} transport: its identity, features, queues and config space,
 * and the work for one descriptor chain. The transport validates everything the driver hands over before
 * a chain reaches {@link #handle}: every buffer is inside guest RAM, readable ones before writable ones.
 * Calls come from the transport's device thread, except config reads (vCPU threads).
 */
public interface VirtioDevice extends AutoCloseable {
    /**
     * The virtio device ID (2 block, 4 entropy).
     *
     * @return the DeviceID register's value
     */
    int deviceId();

    /**
     * Feature bits offered; the transport adds VIRTIO_F_VERSION_1 and VIRTIO_RING_F_INDIRECT_DESC.
     *
     * @return the device's own feature bits
     */
    long features();

    /**
     * How many virtqueues the device has.
     *
     * @return the queue count
     */
    int queueCount();

    /**
     * QueueNumMax of queue {@code q}: a power of 2.
     *
     * @param q the queue index
     * @return the largest size the driver may give the queue
     */
    int queueMaxSize(int q);

    /**
     * The device's config space (read-only to the driver here).
     *
     * @return the config space's bytes, little-endian fields
     */
    byte[] config();

    /**
     * The driver accepted {@code features} (FEATURES_OK).
     *
     * @param features the feature bits the driver accepted
     */
    default void negotiated(long features) { }

    /**
     * Serves one request on queue {@code q}; returns the number of bytes written into the chain's writable
     * buffers (the used length). An error the protocol can report (bad sector) goes into the request's
     * status; a broken request (no room for the status) is a {@link VirtioViolation}.
     *
     * @param q the queue index
     * @param chain the request, validated by the transport
     * @return the used length
     * @throws VirtioViolation when the request breaks the device's rules
     */
    int handle(int q, DescriptorChain chain) throws VirtioViolation;

    /** The driver reset the device: forget per-session state. */
    default void reset() { }

    /**
     * A short name for reports ("virtio-blk disk.img").
     *
     * @return the name
     */
    String name();

    @Override
    default void close() throws Exception { }
}
