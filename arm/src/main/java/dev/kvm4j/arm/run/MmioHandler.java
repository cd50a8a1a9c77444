package dev.kvm4j.arm.run;

/**
 * A device the guest reaches by loads and stores to its MMIO range. Offsets are from the range's base;
 * sizes are 1, 2, 4 or 8 bytes; values are the access's bytes as a little-endian number, zero-extended.
 * Every vCPU thread may call a handler, concurrently: a handler with state guards it itself. A handler
 * that throws ends the machine with {@link RunEnd.DeviceFailed}.
 */
public interface MmioHandler {
    /**
     * The value a load returns; only the low {@code size} bytes reach the guest.
     *
     * @param offset from the range's base
     * @param size 1, 2, 4 or 8 bytes
     * @return the value
     */
    long read(long offset, int size);

    /**
     * A store.
     *
     * @param offset from the range's base
     * @param size 1, 2, 4 or 8 bytes
     * @param value the stored bytes as a little-endian number, zero-extended
     */
    void write(long offset, int size, long value);
}
