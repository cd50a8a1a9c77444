package dev.kvm4j.vmm.loader;

import java.nio.file.Path;

/** A kernel whose header has been checked and whose bytes are in guest RAM: where, and how much RAM it needs to boot. */
public sealed interface KernelImage permits Arm64Image, ZImage {
    /** {@return the file it was read from} */
    Path file();

    /** {@return the state the boot vCPU starts in for it} */
    ExecutionState state();

    /**
     * {@return the bytes copied to guest RAM at {@link #loadAddress} (the decompressed Image, or the zImage without trailing data)}
     */
    long payloadSize();

    /**
     * Guest physical address of the first payload byte; also the entry point.
     *
     * @param ramBase the start of guest RAM
     * @return the address
     */
    long loadAddress(long ramBase);

    /**
     * One past the highest address the kernel may touch before it reads the DTB (bss, decompression).
     *
     * @param ramBase the start of guest RAM
     * @return the address
     */
    long footprintEnd(long ramBase);

    /** {@return how {@link #footprintEnd} came about, for error messages} */
    String describeFootprint();
}
