package dev.kvm4j.vmm.loader;

import dev.kvm4j.kvm.GuestMemory;
import dev.kvm4j.vmm.GuestRange;
import dev.kvm4j.vmm.Layout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import static dev.kvm4j.vmm.Layout.MIB;
import static dev.kvm4j.vmm.loader.LoadException.Problem.*;
import static org.junit.jupiter.api.Assertions.*;

class BootLoaderTest {
    static final byte[] DTB = {(byte) 0xd0, 0x0d, (byte) 0xfe, (byte) 0xed, 1, 2, 3, 4};

    @TempDir
    Path dir;

    private GuestMemory ram;

    @AfterEach
    void free() {
        if (ram != null) ram.close();
    }

    private GuestMemory ram(long size) {
        ram = GuestMemory.allocate(Layout.RAM_BASE, size);
        return ram;
    }

    private Path file(String name, byte[] data) throws IOException {
        return Files.write(dir.resolve(name), data);
    }

    private static Function<Optional<GuestRange>, byte[]> dtb(AtomicReference<Optional<GuestRange>> seen) {
        return initrd -> {
            seen.set(initrd);
            return DTB;
        };
    }

    @Test
    void arm64KernelInitrdAndDtbLandWhereThePlanSaysAndX0PointsAtTheDtb() throws IOException {
        byte[] kernel = TestImages.arm64(64 * 1024);
        byte[] initrd = TestImages.pattern(3 * 4096 + 123);
        AtomicReference<Optional<GuestRange>> seen = new AtomicReference<>();
        BootPlan plan = BootLoader.load(file("Image", kernel), Optional.of(file("initrd", initrd)), false, ram(128 * MIB), dtb(seen));

        assertEquals(ExecutionState.AARCH64, plan.state());
        assertEquals(Layout.RAM_BASE, plan.entry());
        assertEquals(new GuestRange(Layout.RAM_BASE, kernel.length), plan.kernel());
        assertArrayEquals(kernel, ram.read(Layout.RAM_BASE, kernel.length));

        long dtbAddress = plan.dtbAddress();
        assertEquals(Layout.RAM_BASE + 126 * MIB, dtbAddress, "DTB gets the top 2 MiB slot");
        assertEquals(0, dtbAddress % Layout.DTB_ALIGN);
        assertArrayEquals(DTB, ram.read(dtbAddress, DTB.length));
        assertEquals(new GuestRange(dtbAddress, DTB.length), plan.dtb());

        GuestRange r = plan.initrd().orElseThrow();
        assertEquals(0, r.start() % Layout.PAGE_SIZE);
        assertEquals(initrd.length, r.size());
        assertTrue(r.end() <= dtbAddress && dtbAddress - r.end() < Layout.PAGE_SIZE, "initrd sits right below the DTB: " + r);
        assertArrayEquals(initrd, ram.read(r.start(), initrd.length));
        assertEquals(plan.initrd(), seen.get(), "the device tree is told where the initrd is");

        assertEquals(BootRegisters.arm64(Layout.RAM_BASE, dtbAddress), plan.registers());
        assertEquals(dtbAddress, plan.registers().gpr(0));
        assertEquals(0, plan.registers().gpr(1));
    }

    @Test
    void aarch32GetsR0ZeroR1AllOnesR2DtbAndKeepsDtbInLowMemory() throws IOException {
        byte[] z = TestImages.zImage(64 * 1024, 8 * MIB, MIB);
        BootPlan plan = BootLoader.load(file("zImage", z), Optional.of(file("initrd", new byte[5000])), true, ram(1024 * MIB), dtb(new AtomicReference<>()));

        assertEquals(ExecutionState.AARCH32, plan.state());
        long entry = Layout.RAM_BASE + Layout.ZIMAGE_OFFSET;
        assertEquals(entry, plan.entry());
        assertArrayEquals(z, ram.read(entry, z.length));
        assertEquals(Layout.RAM_BASE + Layout.AARCH32_LOWMEM_LIMIT - Layout.DTB_MAX_SIZE, plan.dtbAddress());
        BootRegisters regs = plan.registers();
        assertEquals(0, regs.gpr(0));
        assertEquals(0xffff_ffffL, regs.gpr(1));
        assertEquals(plan.dtbAddress(), regs.gpr(2));
        assertTrue(plan.initrd().orElseThrow().end() <= plan.dtbAddress());
    }

    @Test
    void withoutInitrdTheTreeHearsNothingAboutOne() throws IOException {
        AtomicReference<Optional<GuestRange>> seen = new AtomicReference<>();
        BootPlan plan = BootLoader.load(file("Image", TestImages.arm64(4096)), Optional.empty(), false, ram(64 * MIB), dtb(seen));
        assertEquals(Optional.empty(), plan.initrd());
        assertEquals(Optional.empty(), seen.get());
    }

    @Test
    void kernelWhoseImageSizeExceedsRamIsRefusedNamingSizes() throws IOException {
        Path k = file("Image", TestImages.arm64(4096, 0, 40 * MIB, 0));
        LoadException e = assertThrows(LoadException.class,
                () -> BootLoader.load(k, Optional.empty(), false, ram(32 * MIB), dtb(new AtomicReference<>())));
        assertEquals(DOES_NOT_FIT, e.problem());
        assertEquals("kernel " + k + ": needs guest RAM [0x40000000, 0x42800000) (text_offset 0x0 + image_size 40 MiB)"
                + " but guest RAM is 32 MiB [0x40000000, 0x42000000); use a larger --memory", e.getMessage());
    }

    @Test
    void initrdThatDoesNotFitBesideKernelAndDtbIsRefusedNamingTheInitrd() throws IOException {
        Path k = file("Image", TestImages.arm64(4096, 0, 10 * MIB, 0));
        Path i = file("initrd.img", new byte[(int) (21 * MIB)]);
        LoadException e = assertThrows(LoadException.class,
                () -> BootLoader.load(k, Optional.of(i), false, ram(32 * MIB), dtb(new AtomicReference<>())));
        assertEquals(DOES_NOT_FIT, e.problem());
        assertEquals(Optional.of(i), e.file());
        String m = e.getMessage();
        assertTrue(m.startsWith("initrd " + i + ": does not fit"), m);
        assertTrue(m.contains("an initrd of 21 MiB"), m);
        assertTrue(m.contains("up to 0x40a00000 (10 MiB from its start)"), m);
        assertTrue(m.contains("guest RAM is 32 MiB"), m);
        assertEquals(0, ram.readLong(Layout.RAM_BASE + 30 * MIB), "the initrd was not read");
    }

    @Test
    void aarch32InitrdMustFitTheLowMemoryWindowEvenWithMoreRam() throws IOException {
        KernelImage k = new ZImage(dir.resolve("zImage"), 64 * 1024, 0, 9 * MIB, true);
        Optional<Path> i = Optional.of(dir.resolve("initrd.img"));
        GuestRange gib = new GuestRange(Layout.RAM_BASE, 1024 * MIB);
        assertEquals(Layout.RAM_BASE + 510 * MIB, Placement.plan(k, i, 400 * MIB, gib).dtbSlot().start());
        LoadException e = assertThrows(LoadException.class, () -> Placement.plan(k, i, 500 * MIB, gib));
        assertEquals(DOES_NOT_FIT, e.problem());
        assertTrue(e.getMessage().contains("a 32-bit kernel needs them in its first 512 MiB"), e.getMessage());
    }

    @Test
    void deviceTreeOver2MiBIsRefused() throws IOException {
        Path k = file("Image", TestImages.arm64(4096));
        LoadException e = assertThrows(LoadException.class,
                () -> BootLoader.load(k, Optional.empty(), false, ram(64 * MIB), initrd -> new byte[(int) (3 * MIB)]));
        assertEquals(TOO_BIG, e.problem());
        assertEquals("device tree", e.role());
        assertTrue(e.getMessage().startsWith("device tree: is 3 MiB, larger than the 2 MiB"), e.getMessage());
    }

    @Test
    void initrdLargerThanRamIsRefusedBeforeReading() throws IOException {
        Path k = file("Image", TestImages.arm64(4096));
        Path i = file("initrd.img", new byte[(int) (17 * MIB)]);
        LoadException e = assertThrows(LoadException.class,
                () -> BootLoader.load(k, Optional.of(i), false, ram(16 * MIB), dtb(new AtomicReference<>())));
        assertEquals(TOO_BIG, e.problem());
        assertTrue(e.getMessage().startsWith("initrd " + i + ": is 17 MiB, larger than guest RAM (16 MiB)"), e.getMessage());
    }
}
