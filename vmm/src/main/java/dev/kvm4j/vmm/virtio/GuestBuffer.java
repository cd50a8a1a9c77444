package dev.kvm4j.vmm.virtio;

/** One buffer of a descriptor chain: guest physical address and length, already checked to be inside RAM. */
public record GuestBuffer(long address, long length, boolean writable) {}
