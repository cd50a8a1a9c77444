package dev.kvm4j.vmm.gdb;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The registers gdb sees, as the target description XML gdb reads with {@code qXfer:features:read:target.xml}
 * and in the order of the {@code g} packet. Feature and register names are the ones gdb requires for its
 * architecture (gdb/features/aarch64-core.xml, aarch64-fpu.xml, arm/arm-core.xml, arm/arm-vfpv3.xml), so
 * gdb's numbering is the standard one: aarch64 x0–x30 = 0–30, sp 31, pc 32, cpsr 33, v0–v31 34–65, fpsr 66,
 * fpcr 67; arm r0–r12 = 0–12, sp 13, lr 14, pc 15, cpsr 25, d0–d31 26–57, fpscr 58. AArch64 also has the EL1
 * system registers that say where the guest's memory and exceptions are ({@link #SYSTEM_REGISTERS}, 68 on, in gdb's
 * "system" group: {@code info registers system}, {@code p/x $sctlr_el1}), named as in kvm4j's system-register table.
 */
public enum TargetDescription {
    /** An AArch64 vCPU: core, FP/SIMD and the EL1 system registers. */
    AARCH64("aarch64", aarch64()),
    /** An AArch32 vCPU: core and VFPv3 registers. */
    ARM("arm", arm());

    /**
     * One register: its gdb number, name and size.
     *
     * @param regnum gdb's register number
     * @param name gdb's register name
     * @param bits the size in bits
     * @param type gdb's type name, or null for gdb's default
     * @param feature the target-description feature it belongs to
     */
    public record Register(int regnum, String name, int bits, String type, String feature) {
        /**
         * The size in bytes.
         *
         * @return {@code bits / 8}
         */
        public int bytes() { return bits / 8; }
    }

    private static final String CORE64 = "org.gnu.gdb.aarch64.core", FPU64 = "org.gnu.gdb.aarch64.fpu";
    private static final String CORE32 = "org.gnu.gdb.arm.core", VFP32 = "org.gnu.gdb.arm.vfp";
    /** Not one gdb knows: it shows the registers by name and leaves them alone. */
    private static final String SYSTEM64 = "org.kvm4j.aarch64.system";

    /**
     * The AArch64 system registers gdb sees, names from kvm4j's table (arm's sysregs.txt; the machine reads
     * each through its KVM id there), in the order of their gdb numbers from 68.
     */
    public static final List<String> SYSTEM_REGISTERS = SystemNames.NAMES;
    /** gdb's number of the first of {@link #SYSTEM_REGISTERS}. */
    public static final int FIRST_SYSTEM_REGISTER = 68;

    private final String architecture;
    private final List<Register> registers;

    TargetDescription(String architecture, List<Register> registers) {
        this.architecture = architecture;
        this.registers = registers;
    }

    /**
     * gdb's architecture name.
     *
     * @return {@code aarch64} or {@code arm}
     */
    public String architecture() { return architecture; }

    /**
     * Every register, by increasing gdb number: the {@code g} packet's order.
     *
     * @return the registers, unmodifiable
     */
    public List<Register> registers() { return registers; }

    /**
     * The register with gdb number {@code regnum}.
     *
     * @param regnum gdb's register number
     * @return the register, or empty when there is none with that number
     */
    public Optional<Register> register(int regnum) {
        return registers.stream().filter(r -> r.regnum() == regnum).findFirst();
    }

    /**
     * The register named {@code name} (gdb's name, lower case).
     *
     * @param name gdb's register name
     * @return the register, or empty when there is none with that name
     */
    public Optional<Register> register(String name) {
        return registers.stream().filter(r -> r.name().equals(name)).findFirst();
    }

    /**
     * The number of the PC register (32 on aarch64, 15 on arm).
     *
     * @return gdb's number of pc
     */
    public int pc() { return register("pc").orElseThrow().regnum(); }

    /**
     * The size in bytes of a whole {@code g} packet's data.
     *
     * @return the sum of every register's size
     */
    public int gPacketBytes() { return registers.stream().mapToInt(Register::bytes).sum(); }

    /**
     * {@code target.xml}.
     *
     * @return the target description document gdb reads
     */
    public String xml() {
        StringBuilder x = new StringBuilder("<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n<target version=\"1.0\">\n");
        x.append("  <architecture>").append(architecture).append("</architecture>\n");
        String feature = null;
        for (Register r : registers) {
            if (!r.feature().equals(feature)) {
                if (feature != null) x.append("  </feature>\n");
                feature = r.feature();
                x.append("  <feature name=\"").append(feature).append("\">\n");
                x.append(types(feature));
            }
            x.append("    <reg name=\"").append(r.name()).append("\" bitsize=\"").append(r.bits())
                    .append("\" regnum=\"").append(r.regnum()).append("\"");
            if (r.type() != null) x.append(" type=\"").append(r.type()).append("\"");
            if (r.feature().equals(SYSTEM64)) x.append(" group=\"system\"");
            x.append("/>\n");
        }
        x.append("  </feature>\n</target>\n");
        return x.toString();
    }

    private static String types(String feature) {
        return switch (feature) {
            case CORE64 -> """
                        <flags id="cpsr_flags" size="4">
                          <field name="SP" start="0" end="0"/>
                          <field name="EL" start="2" end="3"/>
                          <field name="nRW" start="4" end="4"/>
                          <field name="F" start="6" end="6"/>
                          <field name="I" start="7" end="7"/>
                          <field name="A" start="8" end="8"/>
                          <field name="D" start="9" end="9"/>
                          <field name="SS" start="21" end="21"/>
                          <field name="V" start="28" end="28"/>
                          <field name="C" start="29" end="29"/>
                          <field name="Z" start="30" end="30"/>
                          <field name="N" start="31" end="31"/>
                        </flags>
                    """;
            case FPU64 -> """
                        <vector id="v2d" type="ieee_double" count="2"/>
                        <vector id="v2u" type="uint64" count="2"/>
                        <vector id="v2i" type="int64" count="2"/>
                        <vector id="v4f" type="ieee_single" count="4"/>
                        <vector id="v4u" type="uint32" count="4"/>
                        <vector id="v4i" type="int32" count="4"/>
                        <vector id="v8u" type="uint16" count="8"/>
                        <vector id="v8i" type="int16" count="8"/>
                        <vector id="v16u" type="uint8" count="16"/>
                        <vector id="v16i" type="int8" count="16"/>
                        <vector id="v1u" type="uint128" count="1"/>
                        <vector id="v1i" type="int128" count="1"/>
                        <union id="vnd"><field name="f" type="v2d"/><field name="u" type="v2u"/><field name="s" type="v2i"/></union>
                        <union id="vns"><field name="f" type="v4f"/><field name="u" type="v4u"/><field name="s" type="v4i"/></union>
                        <union id="vnh"><field name="u" type="v8u"/><field name="s" type="v8i"/></union>
                        <union id="vnb"><field name="u" type="v16u"/><field name="s" type="v16i"/></union>
                        <union id="vnq"><field name="u" type="v1u"/><field name="s" type="v1i"/></union>
                        <union id="aarch64v"><field name="d" type="vnd"/><field name="s" type="vns"/><field name="h" type="vnh"/><field name="b" type="vnb"/><field name="q" type="vnq"/></union>
                    """;
            default -> "";
        };
    }

    /** A holder: an enum's own static fields are not set yet while its constants are built. */
    private static final class SystemNames {
        static final List<String> NAMES = List.of("SCTLR_EL1", "TTBR0_EL1", "TTBR1_EL1", "TCR_EL1",
                "MAIR_EL1", "VBAR_EL1", "ESR_EL1", "FAR_EL1", "CONTEXTIDR_EL1", "TPIDR_EL1");
    }

    private static List<Register> aarch64() {
        List<Register> r = new ArrayList<>();
        for (int i = 0; i <= 30; i++) r.add(new Register(i, "x" + i, 64, null, CORE64));
        r.add(new Register(31, "sp", 64, "data_ptr", CORE64));
        r.add(new Register(32, "pc", 64, "code_ptr", CORE64));
        r.add(new Register(33, "cpsr", 32, "cpsr_flags", CORE64));
        for (int i = 0; i <= 31; i++) r.add(new Register(34 + i, "v" + i, 128, "aarch64v", FPU64));
        r.add(new Register(66, "fpsr", 32, null, FPU64));
        r.add(new Register(67, "fpcr", 32, null, FPU64));
        for (int i = 0; i < SystemNames.NAMES.size(); i++)
            r.add(new Register(FIRST_SYSTEM_REGISTER + i, SystemNames.NAMES.get(i).toLowerCase(java.util.Locale.ROOT), 64, "uint64", SYSTEM64));
        return List.copyOf(r);
    }

    private static List<Register> arm() {
        List<Register> r = new ArrayList<>();
        for (int i = 0; i <= 12; i++) r.add(new Register(i, "r" + i, 32, null, CORE32));
        r.add(new Register(13, "sp", 32, "data_ptr", CORE32));
        r.add(new Register(14, "lr", 32, null, CORE32));
        r.add(new Register(15, "pc", 32, "code_ptr", CORE32));
        r.add(new Register(25, "cpsr", 32, null, CORE32));
        for (int i = 0; i <= 31; i++) r.add(new Register(26 + i, "d" + i, 64, "ieee_double", VFP32));
        r.add(new Register(58, "fpscr", 32, null, VFP32));
        return List.copyOf(r);
    }
}
