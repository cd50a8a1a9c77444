package dev.kvm4j.vmm.snapshot;

import dev.kvm4j.vmm.virtio.VirtioMmio;

import java.util.Objects;

/**
 * One virtio device of a snapshot, in its slot: what it is (a disk names its image, the image's size in bytes
 * and whether it was read-only, so a restore reopens the same file and refuses a different one) and its
 * transport's state. The disk's contents are not in the snapshot: the image file is the disk.
 *
 * @param slot the device's virtio-mmio slot
 * @param deviceId the virtio device id (2 block, 4 entropy)
 * @param disk the image's absolute path; empty for a device without a file (the RNG)
 * @param diskBytes the image's size in bytes when taken (0 without a file)
 * @param readOnly whether the image was attached read-only
 * @param transport the virtio-mmio transport's registers and queues
 */
public record VirtioSnapshot(int slot, int deviceId, String disk, long diskBytes, boolean readOnly, VirtioMmio.State transport) {
    /**
     * Checks that no part is null.
     *
     * @throws NullPointerException when {@code disk} or {@code transport} is null
     */
    public VirtioSnapshot {
        Objects.requireNonNull(disk);
        Objects.requireNonNull(transport);
    }
}
