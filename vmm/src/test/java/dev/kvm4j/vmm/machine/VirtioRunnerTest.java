package dev.kvm4j.vmm.machine;

import dev.kvm4j.arm.gic.GicVersion;
import dev.kvm4j.kvm.Kvm;
import dev.kvm4j.kvm.KvmUnavailableException;
import dev.kvm4j.vmm.cli.Main;
import dev.kvm4j.vmm.loader.TestImages;
import dev.kvm4j.vmm.virtio.VirtioBlock;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** {@code --disk} and {@code --rng} through the runner on any host: --check opens the disks, --dump-dtb shows them. */
class VirtioRunnerTest {
    @TempDir
    Path dir;
    private final StringWriter out = new StringWriter(), err = new StringWriter();
    private Path kernel;

    /** No KVM on this host: a run that gets as far as opening it fails with that. */
    private static final HostKvm NO_KVM = new HostKvm() {
        @Override
        public Kvm openArm() { throw new KvmUnavailableException("test host: no KVM here"); }

        @Override
        public GicVersion autoGic() { return GicVersion.V3; }
    };

    @BeforeEach
    void files() throws IOException {
        kernel = Files.write(dir.resolve("Image"), TestImages.arm64(64 * 1024));
    }

    private int run(String... more) {
        List<String> args = new ArrayList<>(List.of("run", "--kernel", kernel.toString()));
        args.addAll(List.of(more));
        KvmRunner runner = new KvmRunner(InputStream.nullInputStream(), new ByteArrayOutputStream(), new PrintWriter(out, true), NO_KVM);
        return Main.execute(args.toArray(String[]::new), runner, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Test
    void checkOfAMissingDiskIsOneLineAndStatus2() {
        Path missing = dir.resolve("nope.img");
        assertEquals(2, run("--check", "--disk", missing.toString()));
        assertEquals("kvm4j: --disk " + missing + ": no such file", err.toString().strip());
    }

    @Test
    void checkOfAGoodDiskAndRngIsSilent() throws IOException {
        Path disk = Files.write(dir.resolve("d.img"), new byte[4096]), other = Files.write(dir.resolve("o.img"), new byte[4096]);
        assertEquals(0, run("--check", "--disk", disk.toString(), "--disk", other + ",ro", "--rng"), err.toString());
        assertEquals("", out.toString() + err.toString());
    }

    @Test
    void theSameImageTwiceIsRefused() throws IOException {
        Path disk = Files.write(dir.resolve("d.img"), new byte[4096]);
        assertEquals(2, run("--check", "--disk", disk.toString(), "--disk", disk + ",ro"));
        assertTrue(err.toString().contains("already open in this process"), err.toString());
    }

    @Test
    void aDiskOpenElsewhereIsRefusedBeforeAnyVm() throws IOException {
        Path disk = Files.write(dir.resolve("d.img"), new byte[4096]);
        try (VirtioBlock held = VirtioBlock.open(disk, false)) {
            assertEquals(2, run("--disk", disk.toString()));
            String e = err.toString().strip();
            assertEquals(1, e.lines().count(), e);
            assertTrue(e.startsWith("kvm4j: --disk " + disk + ": "), e);
        }
        // and it was closed again: a later open takes the lock
        VirtioBlock.open(disk, false).close();
    }

    @Test
    void anEmptyImageIsRefused() throws IOException {
        Path disk = Files.write(dir.resolve("e.img"), new byte[100]);
        assertEquals(2, run("--check", "--disk", disk.toString()));
        assertTrue(err.toString().contains("smaller than one 512-byte sector"), err.toString());
    }

    @Test
    void dumpDtbHasANodePerDevice() throws IOException {
        Path disk = Files.write(dir.resolve("d.img"), new byte[4096]);
        Path dtb = dir.resolve("virt.dtb");
        assertEquals(0, run("--gic", "v3", "--disk", disk.toString(), "--rng", "--dump-dtb", dtb.toString()), err.toString());
        String blob = new String(Files.readAllBytes(dtb), StandardCharsets.ISO_8859_1);
        assertTrue(blob.contains("virtio_mmio@a000000"), "no vda node");
        assertTrue(blob.contains("virtio_mmio@a000200"), "no rng node");
        assertFalse(blob.contains("virtio_mmio@a000400"), "one node too many");
    }

    @Test
    void aRunThatCannotOpenKvmClosesItsDisks() throws IOException {
        Path disk = Files.write(dir.resolve("d.img"), new byte[4096]);
        assertNotEquals(0, run("--disk", disk.toString()));
        VirtioBlock.open(disk, false).close(); // the lock was released
    }

    @Test
    void aBuildThatFailsClosesTheDevicesItWasGiven() throws IOException {
        Path disk = Files.write(dir.resolve("d.img"), new byte[4096]);
        var config = dev.kvm4j.vmm.MachineConfig.builder().kernel(dir.resolve("missing-Image")).build();
        Machine.Builder b = Machine.builder(config).host(NO_KVM).add(VirtioBlock.open(disk, false));
        assertThrows(RuntimeException.class, b::build);
        VirtioBlock.open(disk, false).close(); // the lock was released
    }

    @Test
    void aBuildThatCannotOpenKvmClosesTheDevicesItWasGiven() throws IOException {
        Path disk = Files.write(dir.resolve("d.img"), new byte[4096]);
        var config = dev.kvm4j.vmm.MachineConfig.builder().kernel(kernel).build();
        Machine.Builder b = Machine.builder(config).host(NO_KVM).add(VirtioBlock.open(disk, false));
        assertThrows(KvmUnavailableException.class, b::build);
        VirtioBlock.open(disk, false).close();
    }
}
