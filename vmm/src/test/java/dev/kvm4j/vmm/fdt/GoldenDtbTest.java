package dev.kvm4j.vmm.fdt;

import dev.kvm4j.arm.gic.GicVersion;
import dev.kvm4j.vmm.GuestRange;
import dev.kvm4j.vmm.Layout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The machine's trees against reviewed sources: each golden {@code .dts} is what {@code dtc -I dtb -O dts}
 * makes of the blob, with {@code //} notes of what was checked against the bindings and QEMU's virt board
 * (whose addresses kvm4j shares). The test decompiles the blob kvm4j builds today with dtc and compares,
 * notes aside. A difference fails with the new source in {@code target/}: review it, update the golden
 * by hand (keeping the notes true) and boot-test the change (BootLinuxKvmTest, in the rig).
 */
class GoldenDtbTest {
    static Stream<Arguments> trees() {
        return Stream.of(
                Arguments.of("virt-gicv3-2cpu-initrd.dts", new FdtOptions(2, 1024 * Layout.MIB, GicVersion.V3, false, "console=ttyAMA0")
                        .withInitrd(new GuestRange(0x7e00_0000L, 0x10_0000L))),
                Arguments.of("virt-gicv2-2cpu-aarch32.dts", new FdtOptions(2, 512 * Layout.MIB, GicVersion.V2, true, "console=ttyAMA0")));
    }

    @ParameterizedTest
    @MethodSource("trees")
    void treeDecompilesToItsReviewedSource(String name, FdtOptions options) throws Exception {
        Dtc.Result actual = Dtc.decompile(MachineFdt.build(options));
        assertEquals("", actual.warnings(), "dtc warned decompiling " + name);
        String golden;
        try (InputStream in = GoldenDtbTest.class.getResourceAsStream(name)) {
            assertNotNull(in, "missing golden source " + name);
            golden = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!withoutNotes(golden).equals(actual.dts())) {
            Path fresh = Path.of("target", name);
            Files.writeString(fresh, actual.dts());
            fail(name + " changed: review " + fresh.toAbsolutePath() + " against the golden (diff them), then update the golden:\n"
                    + actual.dts());
        }
    }

    /** The golden without its review notes: whole lines starting with {@code //}. */
    static String withoutNotes(String dts) {
        return dts.lines().filter(l -> !l.stripLeading().startsWith("//")).collect(Collectors.joining("\n", "", "\n"));
    }

    @ParameterizedTest
    @MethodSource("trees")
    void goldenSourceCompilesToTheSameTree(String name, FdtOptions options) throws IOException, InterruptedException {
        // dtc reads the reviewed source (notes and all) back: the golden is itself a valid tree, and the same one.
        byte[] compiled;
        try (InputStream in = GoldenDtbTest.class.getResourceAsStream(name)) {
            compiled = Dtc.compile(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        assertEquals(Dtc.decompile(MachineFdt.build(options)).dts(), Dtc.decompile(compiled).dts());
    }
}
