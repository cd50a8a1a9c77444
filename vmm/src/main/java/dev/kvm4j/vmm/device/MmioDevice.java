package dev.kvm4j.vmm.device;

/**
 * A device the guest reaches by loads and stores to its MMIO range. Offsets are from the range's base;
 * sizes are 1, 2, 4 or 8 bytes; values are the access's bytes as a little-endian number.
 */
public interface MmioDevice {
    long read(long offset, int size);

    void write(long offset, int size, long value);
}
