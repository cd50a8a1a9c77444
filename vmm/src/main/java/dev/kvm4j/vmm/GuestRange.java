package dev.kvm4j.vmm;

/**
 * A half-open range {@code [start, start+size)} of guest physical addresses.
 *
 * @param start the first address
 * @param size the length in bytes
 */
public record GuestRange(long start, long size) {
    /** A range, checked: a size not negative, no wrap past the top of the address space. */
    public GuestRange {
        if (size < 0) throw new IllegalArgumentException("negative size " + size);
        if (start < 0 || start + size < start) throw new IllegalArgumentException("range at 0x" + Long.toHexString(start) + " wraps");
    }

    /**
     * The range between two addresses.
     *
     * @param start the first address
     * @param end one past the last
     * @return the range
     */
    public static GuestRange of(long start, long end) {
        return new GuestRange(start, end - start);
    }

    /** {@return one past the last address} */
    public long end() { return start + size; }

    /**
     * Whether an address is in the range.
     *
     * @param address the address
     * @return true if it is
     */
    public boolean contains(long address) { return address >= start && address - start < size; }

    /**
     * Whether another range lies wholly inside this one.
     *
     * @param other the other range
     * @return true if it does
     */
    public boolean contains(GuestRange other) { return other.start >= start && other.end() <= end(); }

    /**
     * Whether two ranges share an address.
     *
     * @param other the other range
     * @return true if they do
     */
    public boolean overlaps(GuestRange other) { return start < other.end() && other.start < end(); }

    @Override
    public String toString() {
        return String.format("[0x%x, 0x%x)", start, end());
    }
}
