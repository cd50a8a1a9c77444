package dev.kvm4j.vmm.loader;

import java.nio.file.Path;
import java.util.Optional;

/** A kernel and initrd read from disk and checked, waiting to be placed in a machine's RAM. */
public record BootFiles(KernelImage kernel, Optional<Path> initrdFile, byte[] initrd) {}
