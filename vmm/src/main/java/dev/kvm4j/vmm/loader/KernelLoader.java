package dev.kvm4j.vmm.loader;

import java.nio.file.Path;

/** Turns a kernel file into a checked {@link KernelImage}: unwraps gzip or EFI zboot, then checks the header. */
public final class KernelLoader {
    private KernelLoader() {}

    /** @param limit guest RAM size: neither the file nor its decompressed form may be larger */
    public static KernelImage read(Path file, boolean aarch32, long limit) {
        byte[] data = ImageFile.read("kernel", file, limit);
        if (Gunzip.isGzip(data)) data = Gunzip.inflate("kernel", file, data, limit);
        else if (!aarch32 && EfiZboot.matches(data)) data = EfiZboot.extract(file, data, limit);
        return aarch32 ? ZImage.parse(file, data) : Arm64Image.parse(file, data);
    }
}
