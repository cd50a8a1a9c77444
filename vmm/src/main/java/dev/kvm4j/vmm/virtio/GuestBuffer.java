package dev.kvm4j.vmm.virtio;

/**
 * One buffer of a descriptor chain: guest physical address and length, already checked to be inside RAM.
 *
 * @param address the buffer's guest physical address
 * @param length its length in bytes
 * @param writable whether the device writes it (VIRTQ_DESC_F_WRITE) rather than reads it
 */
public record GuestBuffer(long address, long length, boolean writable) {}
