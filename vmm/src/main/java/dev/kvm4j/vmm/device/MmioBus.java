package dev.kvm4j.vmm.device;

import dev.kvm4j.vmm.GuestRange;

import java.util.Arrays;
import java.util.Objects;

/**
 * Routes MMIO exits to devices by guest physical address. Ranges are kept sorted in plain arrays and
 * found by binary search: no allocation and no lock per access, so vCPU threads share one bus. Devices
 * are added while the machine is assembled; each addition publishes a new immutable table.
 */
public final class MmioBus {
    /** What happens to an access no device claims. */
    public interface Unmapped {
        long read(long address, int size);

        void write(long address, int size, long value);
    }

    /** Reads as zero, writes ignored: what Linux tolerates when it probes an absent device. */
    public static final Unmapped READ_ZERO_WRITE_IGNORE = new Unmapped() {
        @Override public long read(long address, int size) { return 0; }
        @Override public void write(long address, int size, long value) { }
    };

    private record Table(long[] starts, long[] ends, MmioDevice[] devices, String[] names) {}

    private final Unmapped unmapped;
    private volatile Table table = new Table(new long[0], new long[0], new MmioDevice[0], new String[0]);

    public MmioBus() {
        this(READ_ZERO_WRITE_IGNORE);
    }

    public MmioBus(Unmapped unmapped) {
        this.unmapped = Objects.requireNonNull(unmapped);
    }

    /** @throws IllegalArgumentException if the range is empty or overlaps one already on the bus (both named) */
    public synchronized void register(String name, GuestRange range, MmioDevice device) {
        Objects.requireNonNull(name);
        Objects.requireNonNull(device);
        if (range.size() == 0) throw new IllegalArgumentException("MMIO range " + name + " " + range + " is empty");
        Table t = table;
        int at = insertionPoint(t.starts, range.start());
        for (int neighbour : new int[] {at - 1, at}) {
            if (neighbour >= 0 && neighbour < t.starts.length && t.starts[neighbour] < range.end() && range.start() < t.ends[neighbour]) {
                throw new IllegalArgumentException("MMIO range " + name + " " + range + " overlaps " + t.names[neighbour] + " "
                        + GuestRange.of(t.starts[neighbour], t.ends[neighbour]));
            }
        }
        table = new Table(insert(t.starts, at, range.start()), insert(t.ends, at, range.end()),
                insert(t.devices, at, device), insert(t.names, at, name));
    }

    public long read(long address, int size) {
        Table t = table;
        int i = find(t, address, size);
        return i < 0 ? unmapped.read(address, size) : t.devices[i].read(address - t.starts[i], size);
    }

    public void write(long address, int size, long value) {
        Table t = table;
        int i = find(t, address, size);
        if (i < 0) unmapped.write(address, size, value);
        else t.devices[i].write(address - t.starts[i], size, value);
    }

    /** The name of the device at {@code address}, for diagnostics; null if none. */
    public String deviceAt(long address) {
        Table t = table;
        int i = find(t, address, 1);
        return i < 0 ? null : t.names[i];
    }

    /** Index of the range holding all of {@code [address, address+size)}, or -1. */
    private static int find(Table t, long address, int size) {
        int i = insertionPoint(t.starts, address) - 1;
        if (i < 0 || address + size > t.ends[i] || address + size < address) return -1;
        return i;
    }

    /** The number of starts {@code <= address}. */
    private static int insertionPoint(long[] starts, long address) {
        int lo = 0, hi = starts.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (starts[mid] <= address) lo = mid + 1;
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

    private static <T> T[] insert(T[] a, int at, T v) {
        T[] r = Arrays.copyOf(a, a.length + 1);
        System.arraycopy(a, at, r, at + 1, a.length - at);
        r[at] = v;
        return r;
    }
}
