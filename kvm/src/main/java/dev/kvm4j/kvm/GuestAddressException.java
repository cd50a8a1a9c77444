package dev.kvm4j.kvm;

/** An access by guest physical address that falls outside guest RAM. */
public final class GuestAddressException extends RuntimeException {
    private final long address;

    public GuestAddressException(long address, long length, long ramStart, long ramEnd) {
        super(String.format("guest physical address 0x%x (%d bytes) is outside guest RAM [0x%x, 0x%x)",
                address, length, ramStart, ramEnd));
        this.address = address;
    }

    public long address() { return address; }
}
