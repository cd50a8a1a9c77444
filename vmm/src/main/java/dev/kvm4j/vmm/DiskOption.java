package dev.kvm4j.vmm;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One {@code --disk PATH[,ro]}: a raw image the guest sees as a virtio disk (vda, vdb ... in the order given).
 *
 * @param path     the raw image
 * @param readOnly the guest gets VIRTIO_BLK_F_RO and the file is opened for reading only
 */
public record DiskOption(Path path, boolean readOnly) {
    /** A disk; the path may not be null. */
    public DiskOption {
        Objects.requireNonNull(path);
    }

    /**
     * {@code PATH} or {@code PATH,ro}; a path with a comma of its own is written {@code PATH,rw} or {@code PATH,ro}.
     *
     * @param text what follows {@code --disk}
     * @return the disk
     * @throws ConfigException for an empty path or an unknown flag
     */
    public static DiskOption parse(String text) {
        int comma = text.lastIndexOf(',');
        if (comma >= 0) {
            String flag = text.substring(comma + 1);
            String path = text.substring(0, comma);
            if (path.isEmpty()) throw new ConfigException("--disk " + text + ": no image path before ','");
            if (flag.equals("ro")) return new DiskOption(Path.of(path), true);
            if (flag.equals("rw")) return new DiskOption(Path.of(path), false);
            throw new ConfigException("--disk " + text + ": unknown flag '" + flag + "'; write PATH or PATH,ro");
        }
        if (text.isEmpty()) throw new ConfigException("--disk needs an image path: --disk PATH[,ro]");
        return new DiskOption(Path.of(text), false);
    }

    @Override
    public String toString() { return path + (readOnly ? ",ro" : ""); }
}
