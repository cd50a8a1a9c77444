package dev.kvm4j.vmm.snapshot;

/** The RAM section's page bitmap: bit p (LSB first in byte p / 8) set when page p is stored. */
final class RamBitmap {
    private RamBitmap() {}

    static boolean isSet(byte[] bitmap, long page) {
        return (bitmap[(int) (page >>> 3)] & (1 << (page & 7))) != 0;
    }

    static long count(byte[] bitmap, long pages) {
        long n = 0;
        for (long p = 0; p < pages; p++) if (isSet(bitmap, p)) n++;
        return n;
    }
}
