package dev.kvm4j.vmm.fdt;

import dev.kvm4j.arm.gic.GicVersion;
import dev.kvm4j.vmm.GuestRange;
import dev.kvm4j.vmm.Layout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The machine's trees, byte for byte, against blobs checked in after Linux booted with them (arm64 and
 * 32-bit kernels under QEMU's virt board, whose addresses kvm4j shares). A change to the tree shows up
 * here and must be deliberate: rerun with -Dkvm4j.updateGolden=true and boot-test the new blobs.
 */
class GoldenDtbTest {
    static Stream<Arguments> trees() {
        return Stream.of(
                Arguments.of("virt-gicv3-2cpu-initrd.dtb", new FdtOptions(2, 1024 * Layout.MIB, GicVersion.V3, false, "console=ttyAMA0")
                        .withInitrd(new GuestRange(0x7e00_0000L, 0x10_0000L))),
                Arguments.of("virt-gicv2-2cpu-aarch32.dtb", new FdtOptions(2, 512 * Layout.MIB, GicVersion.V2, true, "console=ttyAMA0")));
    }

    @ParameterizedTest
    @MethodSource("trees")
    void treeMatchesItsGoldenBlob(String name, FdtOptions options) throws IOException {
        byte[] blob = MachineFdt.build(options);
        if (Boolean.getBoolean("kvm4j.updateGolden")) {
            Files.write(Path.of("src/test/resources/dev/kvm4j/vmm/fdt", name), blob);
        }
        try (InputStream golden = GoldenDtbTest.class.getResourceAsStream(name)) {
            assertNotNull(golden, "missing golden file " + name + " (generate with -Dkvm4j.updateGolden=true)");
            assertArrayEquals(golden.readAllBytes(), blob, name);
        }
    }
}
