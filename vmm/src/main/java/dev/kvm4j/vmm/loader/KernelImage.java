package dev.kvm4j.vmm.loader;

import java.nio.file.Path;

/** A kernel whose header has been checked: what to copy where, and how much RAM it needs to boot. */
public sealed interface KernelImage permits Arm64Image, ZImage {
    Path file();

    ExecutionState state();

    /** The bytes copied to guest RAM (the decompressed Image, or the zImage without trailing data). */
    byte[] payload();

    /** Guest physical address of the first payload byte; also the entry point. */
    long loadAddress(long ramBase);

    /** One past the highest address the kernel may touch before it reads the DTB (bss, decompression). */
    long footprintEnd(long ramBase);

    /** How {@link #footprintEnd} came about, for error messages. */
    String describeFootprint();
}
