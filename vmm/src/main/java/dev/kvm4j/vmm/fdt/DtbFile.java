package dev.kvm4j.vmm.fdt;

import dev.kvm4j.vmm.BadInputException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes a blob for {@code --dump-dtb}: a path the user gave that cannot be written is their mistake. */
public final class DtbFile {
    private DtbFile() {}

    /**
     * Writes the blob to {@code file}.
     *
     * @param file the user's path
     * @param dtb the blob
     * @throws dev.kvm4j.vmm.BadInputException if the file cannot be written, naming it
     */
    public static void write(Path file, byte[] dtb) {
        try {
            Files.write(file, dtb);
        } catch (IOException e) {
            throw new BadInputException("--dump-dtb " + file + ": cannot write the device tree: " + e.getClass().getSimpleName() + " " + e.getMessage(), e);
        }
    }
}
