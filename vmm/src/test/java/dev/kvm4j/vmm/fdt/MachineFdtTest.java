package dev.kvm4j.vmm.fdt;

import dev.kvm4j.arm.gic.GicVersion;
import dev.kvm4j.vmm.GuestRange;
import dev.kvm4j.vmm.Layout;
import org.junit.jupiter.api.Test;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

class MachineFdtTest {
    static final long MEMORY = 512 * Layout.MIB;

    /** The body of node {@code name} (up to its closing brace at the same depth). */
    private static String node(String dts, String name) {
        int at = dts.indexOf("\t" + name + " {");
        assertTrue(at >= 0, "no node " + name + " in\n" + dts);
        int depth = 0;
        for (int i = dts.indexOf('{', at); i < dts.length(); i++) {
            if (dts.charAt(i) == '{') depth++;
            if (dts.charAt(i) == '}' && --depth == 0) return dts.substring(at, i);
        }
        throw new AssertionError("unterminated node " + name);
    }

    private static void has(String node, String property) {
        assertTrue(node.contains(property + ";"), "missing '" + property + "' in\n" + node);
    }

    private static Dtc.Result decompile(FdtOptions o) throws Exception {
        Dtc.Result r = Dtc.decompile(MachineFdt.build(o));
        assertEquals("", r.warnings(), "dtc complained");
        return r;
    }

    @Test
    void gicV3MachineWithInitrdHasEveryNodeLinuxNeeds() throws Exception {
        FdtOptions o = new FdtOptions(2, MEMORY, GicVersion.V3, false, "console=ttyAMA0 rdinit=/init")
                .withInitrd(new GuestRange(0x5f00_0000L, 0x12345));
        String dts = decompile(o).dts();

        has(dts, "compatible = \"linux,dummy-virt\"");
        has(dts, "#address-cells = <0x02>");
        has(dts, "interrupt-parent = <0x01>");

        String chosen = node(dts, "chosen");
        has(chosen, "bootargs = \"console=ttyAMA0 rdinit=/init\"");
        has(chosen, "stdout-path = \"/pl011@9000000\"");
        has(chosen, "linux,initrd-start = <0x00 0x5f000000>");
        has(chosen, "linux,initrd-end = <0x00 0x5f012345>");

        String memory = node(dts, "memory@40000000");
        has(memory, "device_type = \"memory\"");
        has(memory, "reg = <0x00 0x40000000 0x00 0x20000000>");

        String cpus = node(dts, "cpus");
        for (int i = 0; i < 2; i++) {
            String cpu = node(cpus, "cpu@" + i);
            has(cpu, "device_type = \"cpu\"");
            has(cpu, "compatible = \"arm,armv8\"");
            has(cpu, "enable-method = \"psci\"");
            has(cpu, "reg = <0x0" + i + ">");
        }
        assertFalse(cpus.contains("cpu@2"));

        String psci = node(dts, "psci");
        has(psci, "compatible = \"arm,psci-0.2\"");
        has(psci, "method = \"hvc\"");

        String timer = node(dts, "timer");
        has(timer, "compatible = \"arm,armv8-timer\"");
        has(timer, "interrupts = <0x01 0x0d 0x04 0x01 0x0e 0x04 0x01 0x0b 0x04 0x01 0x0a 0x04>");

        String gic = node(dts, "intc@8000000");
        has(gic, "compatible = \"arm,gic-v3\"");
        has(gic, "reg = <0x00 0x8000000 0x00 0x10000 0x00 0x80a0000 0x00 0x40000>");
        has(gic, "interrupt-controller");
        has(gic, "#interrupt-cells = <0x03>");
        has(gic, "phandle = <0x01>");

        String clock = node(dts, "apb-pclk");
        has(clock, "compatible = \"fixed-clock\"");
        has(clock, "clock-frequency = <0x16e3600>");
        has(clock, "#clock-cells = <0x00>");

        String uart = node(dts, "pl011@9000000");
        has(uart, "compatible = \"arm,pl011\\0arm,primecell\"");
        has(uart, "reg = <0x00 0x9000000 0x00 0x1000>");
        has(uart, "interrupts = <0x00 0x01 0x04>");
        has(uart, "clocks = <0x02 0x02>");
        has(uart, "clock-names = \"uartclk\\0apb_pclk\"");
    }

    @Test
    void gicV2AarchMachineHasCpuInterfaceTargetMasksAndArmv7Timer() throws Exception {
        String dts = decompile(new FdtOptions(3, MEMORY, GicVersion.V2, true, "console=ttyAMA0")).dts();
        String gic = node(dts, "intc@8000000");
        has(gic, "compatible = \"arm,cortex-a15-gic\"");
        has(gic, "reg = <0x00 0x8000000 0x00 0x1000 0x00 0x8010000 0x00 0x2000>");
        String timer = node(dts, "timer");
        has(timer, "compatible = \"arm,armv8-timer\\0arm,armv7-timer\"");
        // Level-high (4) with PPI target mask 0b111 in bits 8..15.
        has(timer, "interrupts = <0x01 0x0d 0x704 0x01 0x0e 0x704 0x01 0x0b 0x704 0x01 0x0a 0x704>");
        assertFalse(node(dts, "chosen").contains("initrd"));
    }

    @Test
    void cpuRegsFollowKvmsMpidrAffinityBeyond16Cpus() throws Exception {
        String cpus = node(decompile(new FdtOptions(18, MEMORY, GicVersion.V3, false, "")).dts(), "cpus");
        has(node(cpus, "cpu@f"), "reg = <0x0f>");
        has(node(cpus, "cpu@100"), "reg = <0x100>");
        has(node(cpus, "cpu@101"), "reg = <0x101>");
        Matcher m = Pattern.compile("\tcpu@[0-9a-f]+ \\{").matcher(cpus);
        int n = 0;
        while (m.find()) n++;
        assertEquals(18, n);
    }

    @Test
    void rngSeedGoesToChosen() throws Exception {
        byte[] seed = {1, 2, 3, 4, 5, 6, 7, 8};
        String chosen = node(decompile(new FdtOptions(1, MEMORY, GicVersion.V3, false, "").withRngSeed(seed)).dts(), "chosen");
        has(chosen, "rng-seed = <0x1020304 0x5060708>");
    }

    @Test
    void sameOptionsGiveTheSameBlob() {
        FdtOptions o = new FdtOptions(4, MEMORY, GicVersion.V3, false, "x");
        assertArrayEquals(MachineFdt.build(o), MachineFdt.build(o));
        assertTrue(MachineFdt.build(o).length < 4096, "a few KiB, far under the 2 MiB limit");
    }

    @Test
    void optionsRefuseMoreCpusThanTheGicTakes() {
        assertThrows(IllegalArgumentException.class, () -> new FdtOptions(9, MEMORY, GicVersion.V2, false, ""));
        assertThrows(IllegalArgumentException.class, () -> new FdtOptions(0, MEMORY, GicVersion.V3, false, ""));
    }
}
