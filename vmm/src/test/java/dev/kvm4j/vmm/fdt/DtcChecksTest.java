package dev.kvm4j.vmm.fdt;

import dev.kvm4j.arm.gic.GicVersion;
import dev.kvm4j.vmm.GuestRange;
import dev.kvm4j.vmm.Layout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * dtc's checks over the machine's trees, across the shapes a user can ask for. dtc runs most of its checks
 * by default; those that matter for a tree Linux must parse are made errors here, including the strict ones
 * dtc leaves off (node and property name characters, unit addresses against reg).
 */
class DtcChecksTest {
    /**
     * Each one would make Linux misread the tree or ignore a node:
     * <ul>
     *   <li>reg_format, addr_size_cells, avoid_default_addr_size, avoid_unnecessary_addr_size: reg lengths match
     *       #address-cells/#size-cells, which every node states rather than inherits by default;</li>
     *   <li>unit_address_vs_reg, unit_address_format, unique_unit_address, node_name_format, node_name_chars_strict,
     *       property_name_chars_strict, duplicate_node_names, duplicate_property_names: names Linux (and the amba
     *       bus, which keys devices by them) can rely on;</li>
     *   <li>interrupts_property, interrupt_provider: every {@code interrupts} resolves through interrupt-parent to
     *       a controller with #interrupt-cells = 3;</li>
     *   <li>clocks_property, phandle_references, explicit_phandles: the PL011's clocks point at the fixed clock;</li>
     *   <li>chosen_node_is_root, chosen_node_bootargs, chosen_node_stdout_path: the kernel finds its command
     *       line and console;</li>
     *   <li>compatible_is_string_list, names_is_string_list, device_type_is_string, model_is_string: string
     *       properties are NUL-terminated string lists.</li>
     * </ul>
     */
    static final List<String> CHECKS = List.of(
            "reg_format", "addr_size_cells", "avoid_default_addr_size", "avoid_unnecessary_addr_size",
            "unit_address_vs_reg", "unit_address_format", "unique_unit_address", "node_name_format",
            "node_name_chars_strict", "property_name_chars_strict", "duplicate_node_names", "duplicate_property_names",
            "interrupts_property", "interrupt_provider", "clocks_property", "phandle_references", "explicit_phandles",
            "chosen_node_is_root", "chosen_node_bootargs", "chosen_node_stdout_path",
            "compatible_is_string_list", "names_is_string_list", "device_type_is_string", "model_is_string");

    static Stream<FdtOptions> trees() {
        byte[] seed = new byte[64];
        return Stream.of(
                new FdtOptions(1, 64 * Layout.MIB, GicVersion.V3, false, "console=ttyAMA0"),
                new FdtOptions(2, 1024 * Layout.MIB, GicVersion.V3, false, "console=ttyAMA0 quiet")
                        .withInitrd(new GuestRange(0x7e00_0000L, 0x10_0000L)).withRngSeed(seed),
                new FdtOptions(123, 3 * 1024 * Layout.MIB, GicVersion.V3, false, "console=ttyAMA0"),
                new FdtOptions(8, 512 * Layout.MIB, GicVersion.V2, false, "console=ttyAMA0"),
                new FdtOptions(2, 512 * Layout.MIB, GicVersion.V2, true, "console=ttyAMA0")
                        .withInitrd(new GuestRange(0x4800_0000L, 0x1234)).withRngSeed(seed));
    }

    @ParameterizedTest
    @MethodSource("trees")
    void dtcAcceptsTheTreeWithItsChecksAsErrors(FdtOptions options) throws Exception {
        Dtc.Result r = Dtc.check(MachineFdt.build(options), CHECKS);
        assertEquals("", r.warnings(), "dtc: " + r.warnings());
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
            "uart { reg = <0 0x9000000 0 0x1000>; interrupts = <0 1 4>; };|unit_address_vs_reg",
            "uart@9000000 { reg = <0 0x9000000 0 0x1000>; interrupts = <0 1>; };|interrupts_property",
            "uart@9000000 { reg = <0 0x9000000 0x1000>; interrupts = <0 1 4>; };|reg_format",
            "uart@9000000 { reg = <0 0x9000000 0 0x1000>; interrupts = <0 1 4>; clocks = <7>; };|clocks_property"})
    void theChecksCatchABrokenTree(String uart, String check) throws Exception {
        String broken = """
                /dts-v1/;
                / { #address-cells = <2>; #size-cells = <2>; interrupt-parent = <&gic>;
                    gic: intc@8000000 { reg = <0 0x8000000 0 0x10000>; #interrupt-cells = <3>; interrupt-controller; #address-cells = <0>; };
                    %s
                };
                """.formatted(uart);
        Dtc.Result r = Dtc.check(Dtc.compile(broken), CHECKS);
        assertTrue(r.warnings().contains("(" + check + ")"), "expected " + check + ": " + r.warnings());
    }
}
