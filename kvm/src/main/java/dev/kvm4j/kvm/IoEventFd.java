package dev.kvm4j.kvm;

import java.util.OptionalLong;

/**
 * A {@code KVM_IOEVENTFD} registration: a guest write of {@link #length()} bytes to {@link #address()} (and,
 * with a datamatch, of that value only) signals {@link #eventFd()} inside the kernel instead of exiting to
 * the vCPU thread as MMIO. {@link #close()} deassigns it; the eventfd stays the caller's to close.
 * Made by {@link Vm#ioEventFd}.
 */
public final class IoEventFd implements AutoCloseable {
    private final Vm vm;
    private final EventFd eventFd;
    private final long address;
    private final int length;
    private final OptionalLong datamatch;
    private boolean closed;

    IoEventFd(Vm vm, EventFd eventFd, long address, int length, OptionalLong datamatch) {
        this.vm = vm;
        this.eventFd = eventFd;
        this.address = address;
        this.length = length;
        this.datamatch = datamatch;
    }

    /** {@return the eventfd the kernel signals} */
    public EventFd eventFd() { return eventFd; }

    /** {@return the guest physical address written} */
    public long address() { return address; }

    /** {@return the width of the write in bytes, 0 for any} */
    public int length() { return length; }

    /** {@return the one value that signals, or empty for any value} */
    public OptionalLong datamatch() { return datamatch; }

    /**
     * Deassigns the registration (a VM already gone took it with it). Idempotent. Call before closing the
     * eventfd: the kernel matches the deassign by fd number.
     */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        vm.ioEventFdDeassign(this);
    }

    @Override
    public String toString() {
        return String.format("ioeventfd at 0x%x len %d%s", address, length,
                datamatch.isPresent() ? String.format(" datamatch 0x%x", datamatch.getAsLong()) : "");
    }
}
