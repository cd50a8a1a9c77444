package dev.kvm4j.vmm.machine;

import dev.kvm4j.vmm.ConfigException;
import dev.kvm4j.vmm.DiskOption;
import dev.kvm4j.vmm.MachineConfig;
import dev.kvm4j.vmm.snapshot.SnapshotException;
import dev.kvm4j.vmm.snapshot.VirtioSnapshot;
import dev.kvm4j.vmm.virtio.VirtioBlock;
import dev.kvm4j.vmm.virtio.VirtioDevice;
import dev.kvm4j.vmm.virtio.VirtioRng;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The virtio devices a config's {@code --disk} and {@code --rng} ask for, opened in slot order: disks, then the RNG. */
final class VirtioDevices {
    private VirtioDevices() { }

    /** How many slots the config takes (for a device tree built without opening anything). */
    static int count(MachineConfig config) {
        return config.disks().size() + (config.rng() ? 1 : 0);
    }

    /** Opens them all or none: a disk that cannot be opened closes those already open and is one line. */
    static List<VirtioDevice> open(MachineConfig config) {
        List<VirtioDevice> open = new ArrayList<>();
        try {
            for (DiskOption d : config.disks()) open.add(openDisk(d));
            if (config.rng()) open.add(new VirtioRng());
            return open;
        } catch (RuntimeException e) {
            for (VirtioDevice v : open) {
                try {
                    v.close();
                } catch (Exception ignored) {
                    // the open failure is the one to report
                }
            }
            throw e;
        }
    }

    /**
     * Opens the devices a snapshot names, in slot order, all or none: each disk must be the same file, of the
     * same size, opened the same way (read-only or not); anything else is refused with one line.
     */
    static List<VirtioDevice> reopen(String name, List<VirtioSnapshot> saved) {
        List<VirtioDevice> open = new ArrayList<>();
        try {
            for (VirtioSnapshot v : saved) open.add(reopen(name, v));
            return open;
        } catch (RuntimeException e) {
            for (VirtioDevice d : open) {
                try {
                    d.close();
                } catch (Exception ignored) {
                    // the refusal is the one to report
                }
            }
            throw e;
        }
    }

    private static VirtioDevice reopen(String name, VirtioSnapshot v) {
        String where = name + ": virtio slot " + v.slot();
        if (v.deviceId() == VirtioRng.DEVICE_ID && v.disk().isEmpty()) return new VirtioRng();
        if (v.deviceId() != VirtioBlock.DEVICE_ID || v.disk().isEmpty()) {
            throw new SnapshotException(where + " holds virtio device " + v.deviceId() + ", which this kvm4j cannot restore");
        }
        Path path = Path.of(v.disk());
        String disk = "disk " + path + (v.readOnly() ? " (read-only)" : "");
        try {
            long now = Files.size(path);
            if (now != v.diskBytes()) {
                throw new SnapshotException(where + ": " + disk + " is " + now + " bytes, " + v.diskBytes()
                        + " when the snapshot was taken: restore with the disk image the snapshot was taken with");
            }
            return VirtioBlock.open(path, v.readOnly());
        } catch (NoSuchFileException e) {
            throw new SnapshotException(where + ": " + disk + " is missing: restore where the snapshot's disk image is, at the same path");
        } catch (IOException e) {
            throw new SnapshotException(where + ": " + disk + ": " + e.getMessage());
        }
    }

    private static VirtioBlock openDisk(DiskOption d) {
        if (Files.isDirectory(d.path())) throw new ConfigException("--disk " + d + ": " + d.path() + " is a directory: give a raw image file");
        try {
            VirtioBlock disk = VirtioBlock.open(d.path(), d.readOnly());
            if (disk.capacity() == 0) {
                disk.close();
                throw new ConfigException("--disk " + d + ": the image is smaller than one 512-byte sector");
            }
            return disk;
        } catch (NoSuchFileException e) {
            throw new ConfigException("--disk " + d + ": no such file");
        } catch (java.nio.file.AccessDeniedException e) {
            throw new ConfigException("--disk " + d + ": permission denied" + (d.readOnly() ? "" : "; add ',ro' to open it read-only"));
        } catch (IOException e) {
            throw new ConfigException("--disk " + d + ": " + e.getMessage());
        }
    }
}
