package dev.kvm4j.vmm;

import dev.kvm4j.arm.gic.GicVersion;

import dev.kvm4j.kvm.GuestMemory;
import dev.kvm4j.vmm.loader.BootPlan;
import dev.kvm4j.vmm.loader.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class BootTest {
    @TempDir
    Path dir;

    @Test
    void preparedRamHoldsATreeThatNamesTheInitrdWhereItWasPut() throws IOException {
        Path kernel = Files.write(dir.resolve("Image"), TestImages.arm64(8192));
        Path initrd = Files.write(dir.resolve("initrd"), new byte[12_345]);
        MachineConfig config = MachineConfig.builder().kernel(kernel).initrd(initrd).memory(64 * Layout.MIB).append("console=ttyAMA0 quiet").build();
        try (GuestMemory ram = GuestMemory.allocate(Layout.RAM_BASE, config.memory())) {
            BootPlan plan = Boot.prepare(config, GicVersion.V3, ram);
            assertArrayEquals(Files.readAllBytes(kernel), ram.read(plan.kernel().start(), (int) plan.kernel().size()));
            assertArrayEquals(Files.readAllBytes(initrd), ram.read(plan.initrd().orElseThrow().start(), 12_345));
            byte[] dtb = ram.read(plan.dtbAddress(), (int) plan.dtb().size());
            assertArrayEquals(plan.dtbBlob(), dtb);
            assertEquals(0xd00dfeed, ByteBuffer.wrap(dtb).getInt(0));
            String text = new String(dtb, StandardCharsets.ISO_8859_1);
            assertTrue(text.contains("console=ttyAMA0 quiet"));
            GuestRange r = plan.initrd().orElseThrow();
            byte[] start = ByteBuffer.allocate(8).putLong(r.start()).array();
            byte[] end = ByteBuffer.allocate(8).putLong(r.end()).array();
            assertTrue(text.contains(new String(start, StandardCharsets.ISO_8859_1)), "linux,initrd-start value");
            assertTrue(text.contains(new String(end, StandardCharsets.ISO_8859_1)), "linux,initrd-end value");
        }
    }

    @Test
    void gicV2WithMoreThan8CpusIsRefusedWhenAutoResolvesToV2() throws IOException {
        Path kernel = Files.write(dir.resolve("Image"), TestImages.arm64(8192));
        MachineConfig config = MachineConfig.builder().kernel(kernel).cpus(9).build();
        try (GuestMemory ram = GuestMemory.allocate(Layout.RAM_BASE, config.memory())) {
            ConfigException e = assertThrows(ConfigException.class, () -> Boot.prepare(config, GicVersion.V2, ram));
            assertTrue(e.getMessage().startsWith("--cpus 9 needs a GICv3"), e.getMessage());
        }
    }
}
