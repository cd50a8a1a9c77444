package dev.kvm4j.vmm.loader;

import dev.kvm4j.kvm.GuestMemory;
import dev.kvm4j.vmm.Layout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

import static dev.kvm4j.vmm.loader.LoadException.Problem.TOO_BIG;
import static org.junit.jupiter.api.Assertions.*;

/** A gzip bomb meets the RAM cap, not the JVM heap. */
class GunzipTest {
    @TempDir
    Path dir;

    /**
     * 2 GiB of kernel-looking data from a 2 MiB file (gzip members concatenated, as gzip allows). Inflated
     * into a heap buffer it would exhaust a default test heap twice over, and copying it would double that.
     */
    @Test
    void aBombExpandingFarBeyondTheHeapIsRefusedAtTheRamCap() throws IOException {
        byte[] member = TestImages.gzip(TestImages.arm64(4096, 0, 4096, 0));
        byte[] next = TestImages.gzip(new byte[64 << 20]);
        Path bomb = dir.resolve("vmlinuz");
        try (OutputStream out = Files.newOutputStream(bomb)) {
            out.write(member);
            for (int i = 0; i < 32; i++) out.write(next);
        }
        assertTrue(Files.size(bomb) < 4 << 20, "a small file: " + Files.size(bomb));
        try (GuestMemory ram = GuestMemory.allocate(Layout.RAM_BASE, 256 * Layout.MIB)) {
            LoadException e = assertTimeoutPreemptively(Duration.ofSeconds(60),
                    () -> assertThrows(LoadException.class, () -> KernelLoader.load(bomb, false, ram)));
            assertEquals(TOO_BIG, e.problem());
            assertEquals("kernel " + bomb + ": gzip data expands to more than 256 MiB, the guest RAM above the kernel's load address"
                    + " 0x40000000; use a larger --memory or check the file", e.getMessage());
        }
    }

    @Test
    void concatenatedMembersAreOneKernel() throws IOException {
        byte[] image = TestImages.arm64(100_000);
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        gz.write(TestImages.gzip(Arrays.copyOf(image, 30_000)));
        gz.write(TestImages.gzip(Arrays.copyOfRange(image, 30_000, image.length)));
        Path f = Files.write(dir.resolve("vmlinuz"), gz.toByteArray());
        try (GuestMemory ram = GuestMemory.allocate(Layout.RAM_BASE, 64 * Layout.MIB)) {
            KernelImage k = KernelLoader.load(f, false, ram);
            assertArrayEquals(image, ram.read(k.loadAddress(ram.base()), image.length));
        }
    }
}
