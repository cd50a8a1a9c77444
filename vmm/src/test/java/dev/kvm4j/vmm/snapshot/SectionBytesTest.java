package dev.kvm4j.vmm.snapshot;

import dev.kvm4j.arm.state.StateCodec;
import dev.kvm4j.arm.state.StateReader;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The small sections' bytes, pinned: sample-sections.hex holds what the encoders wrote for the sample states
 * when it was made (before the snapshot and arm state codecs shared one writer), so a change to any field's
 * order or width fails here and not in a user's restore of an older file.
 */
class SectionBytesTest {
    /** The sections as "TAG hex" lines, in the order the golden file lists them. */
    static List<String> sections() {
        MachineState s = SampleStates.twoVcpus();
        HexFormat hex = HexFormat.of();
        List<String> lines = new ArrayList<>();
        lines.add("CONF " + hex.formatHex(SectionCodec.encode(s.config())));
        for (VcpuSnapshot v : s.vcpus()) lines.add("VCPU " + hex.formatHex(SectionCodec.encode(v)));
        lines.add("VGIC " + hex.formatHex(StateCodec.encode(s.gic())));
        lines.add("UART " + hex.formatHex(SectionCodec.encode(s.uart())));
        for (VirtioSnapshot v : VirtioSectionTest.devices()) lines.add("VIRT " + hex.formatHex(SectionCodec.encode(v)));
        return lines;
    }

    private static List<String> golden() throws IOException {
        try (InputStream in = SectionBytesTest.class.getResourceAsStream("sample-sections.hex")) {
            assertNotNull(in, "sample-sections.hex is missing from the test resources");
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII).lines().toList();
        }
    }

    @Test
    void theSectionsAreWrittenByteForByteAsBefore() throws IOException {
        assertEquals(golden(), sections());
    }

    @Test
    void theGoldenBytesStillReadBackToTheSampleState() throws Exception {
        MachineState s = SampleStates.twoVcpus();
        List<VirtioSnapshot> devices = VirtioSectionTest.devices();
        List<String> lines = golden();
        assertEquals(s.config(), SectionCodec.decodeConfig(reader(lines.get(0))));
        assertEquals(s.vcpus().get(0), SectionCodec.decodeVcpu(reader(lines.get(1))));
        assertEquals(s.vcpus().get(1), SectionCodec.decodeVcpu(reader(lines.get(2))));
        assertEquals(s.gic(), StateCodec.decodeGic(HexFormat.of().parseHex(lines.get(3).substring(5))));
        assertEquals(s.uart(), SectionCodec.decodeUart(reader(lines.get(4))));
        assertEquals(devices.get(0), SectionCodec.decodeVirtio(reader(lines.get(5))));
        assertEquals(devices.get(1), SectionCodec.decodeVirtio(reader(lines.get(6))));
    }

    private static StateReader reader(String line) {
        return new StateReader(HexFormat.of().parseHex(line.substring(5)), line.substring(0, 4));
    }
}
