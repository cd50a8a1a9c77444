package dev.kvm4j.vmm.loader;

import dev.kvm4j.vmm.Sizes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Boot files are checked by size before they are read: one larger than guest RAM is never read at all. */
final class ImageFile {
    private ImageFile() {}

    /** @param limit guest RAM size: nothing larger can be loaded */
    static long size(String role, Path file, long limit) {
        try {
            if (Files.isDirectory(file)) throw new LoadException(role, file, LoadException.Problem.UNREADABLE, "is a directory, not a file");
            long size = Files.size(file);
            if (size == 0) throw new LoadException(role, file, LoadException.Problem.TRUNCATED, "is empty");
            if (size > limit || size > Integer.MAX_VALUE - 8) {
                throw new LoadException(role, file, LoadException.Problem.TOO_BIG, "is " + Sizes.format(size)
                        + ", larger than guest RAM (" + Sizes.format(limit) + "); use a larger --memory");
            }
            return size;
        } catch (IOException e) {
            throw unreadable(role, file, e);
        }
    }

    static byte[] read(String role, Path file, long limit) {
        long size = size(role, file, limit);
        try {
            byte[] data = Files.readAllBytes(file);
            if (data.length != size) throw new LoadException(role, file, LoadException.Problem.UNREADABLE, "changed while being read");
            return data;
        } catch (IOException e) {
            throw unreadable(role, file, e);
        }
    }

    private static LoadException unreadable(String role, Path file, IOException e) {
        String why = e instanceof NoSuchFileException ? "no such file" : "cannot read: " + e.getClass().getSimpleName() + " " + e.getMessage();
        return new LoadException(role, file, LoadException.Problem.UNREADABLE, why, e);
    }
}
