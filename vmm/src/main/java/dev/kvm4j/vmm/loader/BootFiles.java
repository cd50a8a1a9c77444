package dev.kvm4j.vmm.loader;

import dev.kvm4j.kvm.GuestMemory;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A kernel and initrd read, checked and already in {@code ram} where {@code placement} says; what is left
 * is the device tree, which names the initrd's place.
 *
 * @param ram guest RAM
 * @param kernel the kernel, in it
 * @param initrdFile the initrd's file, if any, for messages
 * @param placement where everything is or goes
 */
public record BootFiles(GuestMemory ram, KernelImage kernel, Optional<Path> initrdFile, Placement placement) {}
