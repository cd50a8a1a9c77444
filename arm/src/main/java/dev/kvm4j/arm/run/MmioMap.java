package dev.kvm4j.arm.run;

import dev.kvm4j.arm.gic.AddressRange;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Which device answers an MMIO address. Ranges never overlap and are kept sorted in plain arrays, found
 * by binary search: a lookup allocates nothing and takes no lock, so every vCPU thread shares one map.
 * Guest physical addresses are below 2^52, so plain signed comparisons order them.
 * Each {@link #add} publishes a new immutable table, so devices may also be added while the guest runs.
 */
public final class MmioMap {
    /**
     * A device and the range it answers.
     *
     * @param range the range
     * @param handler the device
     */
    public record Region(AddressRange range, MmioHandler handler) {
        /** A region; neither part may be null. */
        public Region {
            Objects.requireNonNull(range);
            Objects.requireNonNull(handler);
        }

        /** {@return the range's first address} */
        public long base() { return range.base(); }

        /** {@return the range's name} */
        public String name() { return range.name(); }
    }

    /** Parallel arrays sorted by base: the search reads only {@code bases} and {@code ends}. */
    private record Table(long[] bases, long[] ends, Region[] regions) {}

    private volatile Table table = new Table(new long[0], new long[0], new Region[0]);

    /** An empty map. */
    public MmioMap() {}

    /**
     * Adds a device at {@code range}.
     *
     * @param range where it answers
     * @param handler the device
     * @return this map
     * @throws IllegalArgumentException if the range overlaps one already in the map (both named)
     */
    public synchronized MmioMap add(AddressRange range, MmioHandler handler) {
        Region region = new Region(range, handler);
        Table t = table;
        int at = countBasesAtOrBelow(t.bases, range.base());
        // Sorted and disjoint: only the neighbours on either side can overlap the new range.
        for (int neighbour = Math.max(0, at - 1); neighbour < Math.min(t.regions.length, at + 1); neighbour++) {
            AddressRange other = t.regions[neighbour].range();
            if (other.overlaps(range)) throw new IllegalArgumentException("MMIO range " + range + " overlaps " + other);
        }
        table = new Table(insert(t.bases, at, range.base()), insert(t.ends, at, range.end()), insert(t.regions, at, region));
        return this;
    }

    /**
     * The region that holds all of {@code [address, address + size)}; an access that runs off a device's end is unmapped.
     *
     * @param address the guest physical address
     * @param size the access's width
     * @return the region, or null
     */
    public Region find(long address, int size) {
        Table t = table;
        int i = countBasesAtOrBelow(t.bases, address) - 1;
        if (i < 0) return null;
        long last = address + size;
        return last < address || last > t.ends[i] ? null : t.regions[i];
    }

    /** {@return every region, by address} */
    public List<Region> regions() { return List.of(table.regions); }

    private static int countBasesAtOrBelow(long[] bases, long address) {
        int lo = 0, hi = bases.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (bases[mid] <= address) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    private static long[] insert(long[] a, int at, long v) {
        long[] r = new long[a.length + 1];
        System.arraycopy(a, 0, r, 0, at);
        r[at] = v;
        System.arraycopy(a, at, r, at + 1, a.length - at);
        return r;
    }

    private static Region[] insert(Region[] a, int at, Region v) {
        Region[] r = Arrays.copyOf(a, a.length + 1);
        System.arraycopy(a, at, r, at + 1, a.length - at);
        r[at] = v;
        return r;
    }
}
