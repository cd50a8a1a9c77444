package dev.kvm4j.vmm;

/** A half-open range {@code [start, start+size)} of guest physical addresses. */
public record GuestRange(long start, long size) {
    public GuestRange {
        if (size < 0) throw new IllegalArgumentException("negative size " + size);
        if (start < 0 || start + size < start) throw new IllegalArgumentException("range at 0x" + Long.toHexString(start) + " wraps");
    }

    public static GuestRange of(long start, long end) {
        return new GuestRange(start, end - start);
    }

    public long end() { return start + size; }

    public boolean contains(long address) { return address >= start && address - start < size; }

    public boolean contains(GuestRange other) { return other.start >= start && other.end() <= end(); }

    public boolean overlaps(GuestRange other) { return start < other.end() && other.start < end(); }

    @Override
    public String toString() {
        return String.format("[0x%x, 0x%x)", start, end());
    }
}
