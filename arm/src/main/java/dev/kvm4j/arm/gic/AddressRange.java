package dev.kvm4j.arm.gic;

/**
 * A named half-open range {@code [base, base+size)} of guest physical addresses: RAM, a device's MMIO
 * window, a GIC frame. The name is what error messages show, so make it say what occupies the range.
 *
 * @param name what occupies the range, for messages
 * @param base the first address
 * @param size the length in bytes, positive
 */
public record AddressRange(String name, long base, long size) {
    /** A range, checked: a name, a positive size, no wrap past the top of the address space. */
    public AddressRange {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("an address range needs a name");
        if (size <= 0) throw new IllegalArgumentException(name + ": size " + size + " is not positive");
        if (base < 0 || base + size < base) {
            throw new IllegalArgumentException(String.format("%s: range at 0x%x of size 0x%x wraps", name, base, size));
        }
    }

    /** {@return the first address after the range} */
    public long end() { return base + size; }

    /**
     * Whether two ranges share an address.
     *
     * @param other the other range
     * @return true if they overlap
     */
    public boolean overlaps(AddressRange other) { return base < other.end() && other.base < end(); }

    @Override
    public String toString() { return String.format("%s [0x%x, 0x%x)", name, base, end()); }
}
