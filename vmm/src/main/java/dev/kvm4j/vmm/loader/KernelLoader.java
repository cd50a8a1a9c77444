package dev.kvm4j.vmm.loader;

import dev.kvm4j.kvm.GuestMemory;

import java.nio.file.Path;

/**
 * Turns a kernel file into a checked {@link KernelImage} in guest RAM: unwraps gzip or EFI zboot on the
 * fly, checks the header, and copies the kernel once, straight to its load address.
 */
public final class KernelLoader {
    private KernelLoader() {}

    /**
     * Opens, checks and loads {@code file}; neither it nor its decompressed form may outgrow {@code ram}.
     *
     * @param file the kernel
     * @param aarch32 expect a 32-bit {@code zImage} rather than an arm64 {@code Image}
     * @param ram guest RAM
     * @return the kernel, in RAM
     * @throws LoadException when the file is wrong or does not fit, naming it and the limit
     */
    public static KernelImage load(Path file, boolean aarch32, GuestMemory ram) {
        try (BootFile in = BootFile.open("kernel", file, ram.size())) {
            return load(in, aarch32, ram);
        }
    }

    static KernelImage load(BootFile in, boolean aarch32, GuestMemory ram) {
        byte[] head = in.head(Math.max(Arm64Image.HEADER_SIZE, EfiZboot.HEADER_SIZE));
        try (KernelSource src = Gunzip.isGzip(head) ? new Gunzip(in, 0, in.size(), "gzip data")
                : !aarch32 && EfiZboot.matches(head) ? EfiZboot.payload(in, head)
                : new PlainSource(in)) {
            return aarch32 ? ZImage.load(src, ram) : Arm64Image.load(src, ram);
        }
    }
}
