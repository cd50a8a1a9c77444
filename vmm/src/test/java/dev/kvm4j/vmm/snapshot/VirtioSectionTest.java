package dev.kvm4j.vmm.snapshot;

import dev.kvm4j.kvm.GuestMemory;
import dev.kvm4j.vmm.virtio.VirtioMmio;
import dev.kvm4j.vmm.virtio.Virtqueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** VIRT sections: a round trip, version 2 only when there are any, and a VIRT section in a version 1 file refused. */
class VirtioSectionTest {
    @TempDir
    Path dir;

    static List<VirtioSnapshot> devices() {
        VirtioMmio.State blk = new VirtioMmio.State(0x0f, 1, 0, 0, (1L << 32) | (1L << 28) | (1L << 9), 1, 0, false,
                List.of(new Virtqueue.State(256, true, 0x4010_0000L, 0x4010_1000L, 0x4010_2000L, 65535, 12)));
        VirtioMmio.State rng = new VirtioMmio.State(0x4f, 0, 1, 0, 1L << 32, 3, 2, true,
                List.of(new Virtqueue.State(256, false, 0, 0, 0, 0, 0)));
        return List.of(new VirtioSnapshot(0, 2, "/images/debian.img", 134_217_728L, false, blk),
                new VirtioSnapshot(1, 4, "", 0, false, rng));
    }

    @Test
    void virtioDevicesComeBackEqualInAVersion2File() {
        Path f = dir.resolve("vm.snap");
        try (GuestMemory ram = SampleStates.ram()) {
            SnapshotWriter.write(f, SampleStates.twoVcpus(), ram, devices());
        }
        SnapshotFile back = SnapshotFile.read(f);
        assertEquals(SnapshotFormat.VERSION, back.version());
        assertEquals(devices(), back.virtio());
        assertEquals(SampleStates.twoVcpus(), back.state());
        assertTrue(back.header().contains("virtio 0: disk /images/debian.img (134217728 bytes)"), back.header());
    }

    @Test
    void aMachineWithoutVirtioIsStillVersion1() {
        Path f = dir.resolve("vm.snap");
        try (GuestMemory ram = SampleStates.ram()) {
            SnapshotWriter.write(f, SampleStates.twoVcpus(), ram);
        }
        SnapshotFile back = SnapshotFile.read(f);
        assertEquals(SnapshotFormat.VERSION_NO_VIRTIO, back.version());
        assertTrue(back.virtio().isEmpty());
    }

    @Test
    void aVirtSectionInAVersion1FileIsRefused() throws Exception {
        Path f = dir.resolve("vm.snap");
        try (GuestMemory ram = SampleStates.ram()) {
            SnapshotWriter.write(f, SampleStates.twoVcpus(), ram, devices());
        }
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(4).putInt(0, SnapshotFormat.VERSION_NO_VIRTIO), SnapshotFormat.MAGIC.length);
        }
        var e = assertThrows(SnapshotException.class, () -> SnapshotFile.read(f));
        assertTrue(e.getMessage().contains("VIRT") && e.getMessage().contains("version 1"), e.getMessage());
    }
}
