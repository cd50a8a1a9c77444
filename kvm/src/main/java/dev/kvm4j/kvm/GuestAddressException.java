package dev.kvm4j.kvm;

/** An access by guest physical address that falls outside guest RAM. */
public final class GuestAddressException extends RuntimeException {
    /** The first guest physical address of the refused access. */
    private final long address;

    /**
     * An access of {@code length} bytes at {@code address} outside {@code [ramStart, ramEnd)}.
     *
     * @param address the first guest physical address of the access
     * @param length the number of bytes
     * @param ramStart the first guest physical address of the RAM
     * @param ramEnd one past the last
     */
    public GuestAddressException(long address, long length, long ramStart, long ramEnd) {
        super(String.format("guest physical address 0x%x (%d bytes) is outside guest RAM [0x%x, 0x%x)",
                address, length, ramStart, ramEnd));
        this.address = address;
    }

    /** {@return the first guest physical address of the refused access} */
    public long address() { return address; }
}
