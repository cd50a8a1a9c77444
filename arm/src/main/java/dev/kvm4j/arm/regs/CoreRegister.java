package dev.kvm4j.arm.regs;

import dev.kvm4j.arm.abi.ArmAbi;

import java.lang.foreign.MemoryLayout.PathElement;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.kvm4j.arm.abi.ArmAbi.KVM_REG_ARM64;
import static dev.kvm4j.arm.abi.ArmAbi.KVM_REG_ARM_CORE;
import static dev.kvm4j.arm.abi.ArmAbi.KVM_REG_SIZE_SHIFT;

/**
 * The core-register table: every member of {@code struct kvm_regs} KVM exposes, by its kernel name and its
 * C member expression. Offset, size and id are computed from {@link ArmAbi#STRUCT_KVM_REGS}, so the table
 * holds each fact once: the id is {@code KVM_REG_ARM64 | size | KVM_REG_ARM_CORE | offset / 4}.
 */
public enum CoreRegister {
    X0("regs.regs[0]"), X1("regs.regs[1]"), X2("regs.regs[2]"), X3("regs.regs[3]"),
    X4("regs.regs[4]"), X5("regs.regs[5]"), X6("regs.regs[6]"), X7("regs.regs[7]"),
    X8("regs.regs[8]"), X9("regs.regs[9]"), X10("regs.regs[10]"), X11("regs.regs[11]"),
    X12("regs.regs[12]"), X13("regs.regs[13]"), X14("regs.regs[14]"), X15("regs.regs[15]"),
    X16("regs.regs[16]"), X17("regs.regs[17]"), X18("regs.regs[18]"), X19("regs.regs[19]"),
    X20("regs.regs[20]"), X21("regs.regs[21]"), X22("regs.regs[22]"), X23("regs.regs[23]"),
    X24("regs.regs[24]"), X25("regs.regs[25]"), X26("regs.regs[26]"), X27("regs.regs[27]"),
    X28("regs.regs[28]"), X29("regs.regs[29]"), X30("regs.regs[30]"),
    /** SP_EL0: the kernel's {@code regs.sp}. */
    SP("regs.sp"),
    PC("regs.pc"),
    PSTATE("regs.pstate"),
    SP_EL1("sp_el1"),
    ELR_EL1("elr_el1"),
    /** {@code spsr[KVM_SPSR_EL1]}, which is also AArch32's SPSR_svc. */
    SPSR_EL1("spsr[0]"),
    SPSR_ABT("spsr[1]"), SPSR_UND("spsr[2]"), SPSR_IRQ("spsr[3]"), SPSR_FIQ("spsr[4]"),
    V0("fp_regs.vregs[0]"), V1("fp_regs.vregs[1]"), V2("fp_regs.vregs[2]"), V3("fp_regs.vregs[3]"),
    V4("fp_regs.vregs[4]"), V5("fp_regs.vregs[5]"), V6("fp_regs.vregs[6]"), V7("fp_regs.vregs[7]"),
    V8("fp_regs.vregs[8]"), V9("fp_regs.vregs[9]"), V10("fp_regs.vregs[10]"), V11("fp_regs.vregs[11]"),
    V12("fp_regs.vregs[12]"), V13("fp_regs.vregs[13]"), V14("fp_regs.vregs[14]"), V15("fp_regs.vregs[15]"),
    V16("fp_regs.vregs[16]"), V17("fp_regs.vregs[17]"), V18("fp_regs.vregs[18]"), V19("fp_regs.vregs[19]"),
    V20("fp_regs.vregs[20]"), V21("fp_regs.vregs[21]"), V22("fp_regs.vregs[22]"), V23("fp_regs.vregs[23]"),
    V24("fp_regs.vregs[24]"), V25("fp_regs.vregs[25]"), V26("fp_regs.vregs[26]"), V27("fp_regs.vregs[27]"),
    V28("fp_regs.vregs[28]"), V29("fp_regs.vregs[29]"), V30("fp_regs.vregs[30]"), V31("fp_regs.vregs[31]"),
    FPSR("fp_regs.fpsr"),
    FPCR("fp_regs.fpcr");

    private final String member;
    private final long offset;
    private final int size;
    private final long id;

    CoreRegister(String member) {
        this.member = member;
        this.offset = ArmAbi.STRUCT_KVM_REGS.byteOffset(Members.path(member, true));
        this.size = (int) ArmAbi.STRUCT_KVM_REGS.select(Members.path(member, false)).byteSize();
        this.id = KVM_REG_ARM64 | ((long) Integer.numberOfTrailingZeros(size) << KVM_REG_SIZE_SHIFT) | KVM_REG_ARM_CORE | (offset / 4);
    }

    /** Turns C member expressions into layout paths (a holder: enum constructors cannot use the enum's statics). */
    private static final class Members {
        private static final Pattern STEP = Pattern.compile("(\\w+)(?:\\[(\\d+)])?");

        /**
         * "fp_regs.vregs[3]" → groupElement("fp_regs"), groupElement("vregs"), sequenceElement(3), or the open
         * sequenceElement() when not {@code indexed} (what select(), which gives the element's layout, wants).
         */
        static PathElement[] path(String member, boolean indexed) {
            List<PathElement> path = new ArrayList<>();
            for (String step : member.split("\\.")) {
                Matcher m = STEP.matcher(step);
                if (!m.matches()) throw new IllegalArgumentException("not a C member expression: " + member);
                path.add(PathElement.groupElement(m.group(1)));
                if (m.group(2) != null) {
                    path.add(indexed ? PathElement.sequenceElement(Long.parseLong(m.group(2))) : PathElement.sequenceElement());
                }
            }
            return path.toArray(PathElement[]::new);
        }
    }

    /** The C member expression inside {@code struct kvm_regs}, as {@code KVM_REG_ARM_CORE_REG()} takes it. */
    public String member() { return member; }

    /** Byte offset in {@code struct kvm_regs}. */
    public long offset() { return offset; }

    /** Size in bytes: 8, 16 for V0–V31, 4 for FPSR/FPCR. */
    public int size() { return size; }

    public long id() { return id; }

    public RegisterId registerId() { return RegisterId.of(id); }

    /** Xn for n in 0..30. */
    public static CoreRegister x(int n) {
        if (n < 0 || n > 30) throw new IllegalArgumentException("x" + n + " does not exist: x0..x30");
        return values()[X0.ordinal() + n];
    }

    /** Vn for n in 0..31. */
    public static CoreRegister v(int n) {
        if (n < 0 || n > 31) throw new IllegalArgumentException("v" + n + " does not exist: v0..v31");
        return values()[V0.ordinal() + n];
    }

    /** {@code spsr[index]} for a KVM_SPSR_* index. */
    public static CoreRegister spsr(int index) {
        if (index < 0 || index >= ArmAbi.KVM_NR_SPSR) throw new IllegalArgumentException("spsr[" + index + "] does not exist");
        return values()[SPSR_EL1.ordinal() + index];
    }
}
