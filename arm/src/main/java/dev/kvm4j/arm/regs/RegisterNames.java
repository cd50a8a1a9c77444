package dev.kvm4j.arm.regs;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.kvm4j.arm.abi.ArmAbi.*;

/**
 * Names for register ids, and ids for names. Table names come from {@link CoreRegister},
 * {@link SystemRegisters} and the firmware registers below; every other id gets a generic name built from
 * its fields, and an id no rule fits gets its raw value in hex. Each generic name parses back to its id.
 */
final class RegisterNames {
    private static final Map<Long, String> FIRMWARE = Map.of(
            KVM_REG_ARM_PSCI_VERSION, "PSCI_VERSION",
            KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_1, "SMCCC_ARCH_WORKAROUND_1",
            KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_2, "SMCCC_ARCH_WORKAROUND_2",
            KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_3, "SMCCC_ARCH_WORKAROUND_3",
            KVM_REG_ARM_STD_BMAP, "STD_BMAP",
            KVM_REG_ARM_STD_HYP_BMAP, "STD_HYP_BMAP",
            KVM_REG_ARM_VENDOR_HYP_BMAP, "VENDOR_HYP_BMAP");

    private static final Map<Long, String> CORE = new HashMap<>();
    /** Core and firmware names, plus the system-register table: every table name, for parsing. */
    private static final Map<String, Long> BY_NAME = new HashMap<>();

    static {
        for (CoreRegister r : CoreRegister.values()) {
            CORE.put(r.id(), r.name());
            BY_NAME.put(r.name(), r.id());
        }
        FIRMWARE.forEach((id, name) -> BY_NAME.put(name, id));
        for (RegisterId id : SystemRegisters.all()) {
            String name = SystemRegisters.name(id).orElseThrow();
            if (BY_NAME.putIfAbsent(name, id.value()) != null) {
                throw new IllegalStateException("system register " + name + " has the name of a core or firmware register");
            }
        }
    }

    private static final Pattern SYSREG = Pattern.compile("S([0-3])_([0-7])_C(\\d{1,2})_C(\\d{1,2})_([0-7])");
    private static final Pattern FW = Pattern.compile("FW\\[0X([0-9A-F]{1,4})]");
    private static final Pattern FW_BMAP = Pattern.compile("FW_BMAP\\[0X([0-9A-F]{1,4})]");
    private static final Pattern CCSIDR = Pattern.compile("CCSIDR_EL1\\[(\\d{1,3})]");
    private static final Pattern SVE = Pattern.compile("(Z|P)(\\d{1,2})(?:\\[(\\d{1,2})])?|FFR(?:\\[(\\d{1,2})])?");
    private static final String SVE_VLS = "SVE_VLS";

    private RegisterNames() {}

    static String name(RegisterId id) {
        String s = specificName(id);
        if (s != null) return s;
        if (!wellFormed(id, KVM_REG_SIZE_U64)) return raw(id);
        return switch (id.group()) {
            case SYSREG -> "S%d_%d_C%d_C%d_%d".formatted(id.op0(), id.op1(), id.crn(), id.crm(), id.op2());
            case FIRMWARE -> "FW[0x%x]".formatted(id.index());
            case FIRMWARE_BITMAP -> "FW_BMAP[0x%x]".formatted(id.index());
            default -> raw(id);
        };
    }

    static boolean isArchitectural(RegisterId id) { return specificName(id) != null; }

    /** A name that says which register this is, or null when only a generic rule or the raw id fits. */
    private static String specificName(RegisterId id) {
        if (!id.isArm64() || id.hasStrayBits()) return null;
        return switch (id.group()) {
            case CORE -> CORE.get(id.value());
            case SYSREG -> id.sizeBits() == KVM_REG_SIZE_U64 ? SystemRegisters.name(id).orElse(null) : null;
            case FIRMWARE, FIRMWARE_BITMAP -> FIRMWARE.get(id.value());
            case DEMUX -> wellFormed(id, KVM_REG_SIZE_U32) && id.demuxId() == KVM_REG_ARM_DEMUX_ID_CCSIDR
                    ? "CCSIDR_EL1[" + id.demuxValue() + "]" : null;
            case SVE -> sveName(id);
            case OTHER -> null;
        };
    }

    private static String sveName(RegisterId id) {
        if (id.value() == KVM_REG_ARM64_SVE_VLS) return SVE_VLS;
        String slice = id.sveSlice() == 0 ? "" : "[" + id.sveSlice() + "]";
        return switch (id.sveBase()) {
            case KVM_REG_ARM64_SVE_ZREG_BASE -> id.sizeBits() == KVM_REG_SIZE_U2048 ? "Z" + id.sveRegister() + slice : null;
            case KVM_REG_ARM64_SVE_PREG_BASE -> id.sizeBits() == KVM_REG_SIZE_U256 ? "P" + id.sveRegister() + slice : null;
            case KVM_REG_ARM64_SVE_FFR_BASE -> id.sizeBits() == KVM_REG_SIZE_U256 && id.sveRegister() == 0 ? "FFR" + slice : null;
            default -> null;
        };
    }

    private static boolean wellFormed(RegisterId id, long size) {
        return id.isArm64() && !id.hasStrayBits() && id.sizeBits() == size;
    }

    private static String raw(RegisterId id) { return "0x%016x".formatted(id.value()); }

    static RegisterId parse(String name) {
        String s = name.strip();
        if (s.startsWith("0x") || s.startsWith("0X")) {
            try {
                return RegisterId.of(Long.parseUnsignedLong(s.substring(2), 16));
            } catch (NumberFormatException e) {
                throw unknown(name);
            }
        }
        String u = s.toUpperCase(Locale.ROOT);
        Long id = BY_NAME.get(u);
        if (id != null) return RegisterId.of(id);
        if (u.equals(SVE_VLS)) return RegisterId.sveVls();
        try {
            Matcher m;
            if ((m = SYSREG.matcher(u)).matches()) {
                return RegisterId.sysreg(num(m, 1), num(m, 2), num(m, 3), num(m, 4), num(m, 5));
            }
            if ((m = FW.matcher(u)).matches()) return RegisterId.firmware(Integer.parseInt(m.group(1), 16));
            if ((m = FW_BMAP.matcher(u)).matches()) return RegisterId.firmwareBitmap(Integer.parseInt(m.group(1), 16));
            if ((m = CCSIDR.matcher(u)).matches()) return RegisterId.ccsidr(num(m, 1));
            if ((m = SVE.matcher(u)).matches()) {
                if (m.group(1) == null) return RegisterId.sveFfr(m.group(4) == null ? 0 : num(m, 4));
                int slice = m.group(3) == null ? 0 : num(m, 3);
                return m.group(1).equals("Z") ? RegisterId.sveZ(num(m, 2), slice) : RegisterId.sveP(num(m, 2), slice);
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("register name '" + name + "': " + e.getMessage(), e);
        }
        throw unknown(name);
    }

    private static int num(Matcher m, int group) { return Integer.parseInt(m.group(group)); }

    private static IllegalArgumentException unknown(String name) {
        return new IllegalArgumentException("unknown register name '" + name + "': not a core, system or firmware register name, "
                + "nor S<op0>_<op1>_C<n>_C<m>_<op2>, FW[0x..], FW_BMAP[0x..], CCSIDR_EL1[n], Zn, Pn, FFR, SVE_VLS or a 0x... id");
    }
}
