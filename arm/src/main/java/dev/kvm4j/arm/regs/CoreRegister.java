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
    /** General-purpose register x0 ({@code regs.regs[0]}). */
    X0("regs.regs[0]"),
    /** General-purpose register x1 ({@code regs.regs[1]}). */
    X1("regs.regs[1]"),
    /** General-purpose register x2 ({@code regs.regs[2]}). */
    X2("regs.regs[2]"),
    /** General-purpose register x3 ({@code regs.regs[3]}). */
    X3("regs.regs[3]"),
    /** General-purpose register x4 ({@code regs.regs[4]}). */
    X4("regs.regs[4]"),
    /** General-purpose register x5 ({@code regs.regs[5]}). */
    X5("regs.regs[5]"),
    /** General-purpose register x6 ({@code regs.regs[6]}). */
    X6("regs.regs[6]"),
    /** General-purpose register x7 ({@code regs.regs[7]}). */
    X7("regs.regs[7]"),
    /** General-purpose register x8 ({@code regs.regs[8]}). */
    X8("regs.regs[8]"),
    /** General-purpose register x9 ({@code regs.regs[9]}). */
    X9("regs.regs[9]"),
    /** General-purpose register x10 ({@code regs.regs[10]}). */
    X10("regs.regs[10]"),
    /** General-purpose register x11 ({@code regs.regs[11]}). */
    X11("regs.regs[11]"),
    /** General-purpose register x12 ({@code regs.regs[12]}). */
    X12("regs.regs[12]"),
    /** General-purpose register x13 ({@code regs.regs[13]}). */
    X13("regs.regs[13]"),
    /** General-purpose register x14 ({@code regs.regs[14]}). */
    X14("regs.regs[14]"),
    /** General-purpose register x15 ({@code regs.regs[15]}). */
    X15("regs.regs[15]"),
    /** General-purpose register x16 ({@code regs.regs[16]}). */
    X16("regs.regs[16]"),
    /** General-purpose register x17 ({@code regs.regs[17]}). */
    X17("regs.regs[17]"),
    /** General-purpose register x18 ({@code regs.regs[18]}). */
    X18("regs.regs[18]"),
    /** General-purpose register x19 ({@code regs.regs[19]}). */
    X19("regs.regs[19]"),
    /** General-purpose register x20 ({@code regs.regs[20]}). */
    X20("regs.regs[20]"),
    /** General-purpose register x21 ({@code regs.regs[21]}). */
    X21("regs.regs[21]"),
    /** General-purpose register x22 ({@code regs.regs[22]}). */
    X22("regs.regs[22]"),
    /** General-purpose register x23 ({@code regs.regs[23]}). */
    X23("regs.regs[23]"),
    /** General-purpose register x24 ({@code regs.regs[24]}). */
    X24("regs.regs[24]"),
    /** General-purpose register x25 ({@code regs.regs[25]}). */
    X25("regs.regs[25]"),
    /** General-purpose register x26 ({@code regs.regs[26]}). */
    X26("regs.regs[26]"),
    /** General-purpose register x27 ({@code regs.regs[27]}). */
    X27("regs.regs[27]"),
    /** General-purpose register x28 ({@code regs.regs[28]}). */
    X28("regs.regs[28]"),
    /** General-purpose register x29 ({@code regs.regs[29]}). */
    X29("regs.regs[29]"),
    /** General-purpose register x30 ({@code regs.regs[30]}). */
    X30("regs.regs[30]"),
    /** SP_EL0: the kernel's {@code regs.sp}. */
    SP("regs.sp"),
    /** The program counter ({@code regs.pc}). */
    PC("regs.pc"),
    /** PSTATE as SPSR_ELx lays it out: flags, exception level, SP select, masks ({@code regs.pstate}). */
    PSTATE("regs.pstate"),
    /** The EL1 stack pointer ({@code sp_el1}). */
    SP_EL1("sp_el1"),
    /** The EL1 exception link register ({@code elr_el1}). */
    ELR_EL1("elr_el1"),
    /** {@code spsr[KVM_SPSR_EL1]}, which is also AArch32's SPSR_svc. */
    SPSR_EL1("spsr[0]"),
    /** AArch32 SPSR_abt ({@code spsr[1]}). */
    SPSR_ABT("spsr[1]"),
    /** AArch32 SPSR_und ({@code spsr[2]}). */
    SPSR_UND("spsr[2]"),
    /** AArch32 SPSR_irq ({@code spsr[3]}). */
    SPSR_IRQ("spsr[3]"),
    /** AArch32 SPSR_fiq ({@code spsr[4]}). */
    SPSR_FIQ("spsr[4]"),
    /** 128-bit SIMD and floating-point register v0 ({@code fp_regs.vregs[0]}). */
    V0("fp_regs.vregs[0]"),
    /** 128-bit SIMD and floating-point register v1 ({@code fp_regs.vregs[1]}). */
    V1("fp_regs.vregs[1]"),
    /** 128-bit SIMD and floating-point register v2 ({@code fp_regs.vregs[2]}). */
    V2("fp_regs.vregs[2]"),
    /** 128-bit SIMD and floating-point register v3 ({@code fp_regs.vregs[3]}). */
    V3("fp_regs.vregs[3]"),
    /** 128-bit SIMD and floating-point register v4 ({@code fp_regs.vregs[4]}). */
    V4("fp_regs.vregs[4]"),
    /** 128-bit SIMD and floating-point register v5 ({@code fp_regs.vregs[5]}). */
    V5("fp_regs.vregs[5]"),
    /** 128-bit SIMD and floating-point register v6 ({@code fp_regs.vregs[6]}). */
    V6("fp_regs.vregs[6]"),
    /** 128-bit SIMD and floating-point register v7 ({@code fp_regs.vregs[7]}). */
    V7("fp_regs.vregs[7]"),
    /** 128-bit SIMD and floating-point register v8 ({@code fp_regs.vregs[8]}). */
    V8("fp_regs.vregs[8]"),
    /** 128-bit SIMD and floating-point register v9 ({@code fp_regs.vregs[9]}). */
    V9("fp_regs.vregs[9]"),
    /** 128-bit SIMD and floating-point register v10 ({@code fp_regs.vregs[10]}). */
    V10("fp_regs.vregs[10]"),
    /** 128-bit SIMD and floating-point register v11 ({@code fp_regs.vregs[11]}). */
    V11("fp_regs.vregs[11]"),
    /** 128-bit SIMD and floating-point register v12 ({@code fp_regs.vregs[12]}). */
    V12("fp_regs.vregs[12]"),
    /** 128-bit SIMD and floating-point register v13 ({@code fp_regs.vregs[13]}). */
    V13("fp_regs.vregs[13]"),
    /** 128-bit SIMD and floating-point register v14 ({@code fp_regs.vregs[14]}). */
    V14("fp_regs.vregs[14]"),
    /** 128-bit SIMD and floating-point register v15 ({@code fp_regs.vregs[15]}). */
    V15("fp_regs.vregs[15]"),
    /** 128-bit SIMD and floating-point register v16 ({@code fp_regs.vregs[16]}). */
    V16("fp_regs.vregs[16]"),
    /** 128-bit SIMD and floating-point register v17 ({@code fp_regs.vregs[17]}). */
    V17("fp_regs.vregs[17]"),
    /** 128-bit SIMD and floating-point register v18 ({@code fp_regs.vregs[18]}). */
    V18("fp_regs.vregs[18]"),
    /** 128-bit SIMD and floating-point register v19 ({@code fp_regs.vregs[19]}). */
    V19("fp_regs.vregs[19]"),
    /** 128-bit SIMD and floating-point register v20 ({@code fp_regs.vregs[20]}). */
    V20("fp_regs.vregs[20]"),
    /** 128-bit SIMD and floating-point register v21 ({@code fp_regs.vregs[21]}). */
    V21("fp_regs.vregs[21]"),
    /** 128-bit SIMD and floating-point register v22 ({@code fp_regs.vregs[22]}). */
    V22("fp_regs.vregs[22]"),
    /** 128-bit SIMD and floating-point register v23 ({@code fp_regs.vregs[23]}). */
    V23("fp_regs.vregs[23]"),
    /** 128-bit SIMD and floating-point register v24 ({@code fp_regs.vregs[24]}). */
    V24("fp_regs.vregs[24]"),
    /** 128-bit SIMD and floating-point register v25 ({@code fp_regs.vregs[25]}). */
    V25("fp_regs.vregs[25]"),
    /** 128-bit SIMD and floating-point register v26 ({@code fp_regs.vregs[26]}). */
    V26("fp_regs.vregs[26]"),
    /** 128-bit SIMD and floating-point register v27 ({@code fp_regs.vregs[27]}). */
    V27("fp_regs.vregs[27]"),
    /** 128-bit SIMD and floating-point register v28 ({@code fp_regs.vregs[28]}). */
    V28("fp_regs.vregs[28]"),
    /** 128-bit SIMD and floating-point register v29 ({@code fp_regs.vregs[29]}). */
    V29("fp_regs.vregs[29]"),
    /** 128-bit SIMD and floating-point register v30 ({@code fp_regs.vregs[30]}). */
    V30("fp_regs.vregs[30]"),
    /** 128-bit SIMD and floating-point register v31 ({@code fp_regs.vregs[31]}). */
    V31("fp_regs.vregs[31]"),
    /** The floating-point status register ({@code fp_regs.fpsr}). */
    FPSR("fp_regs.fpsr"),
    /** The floating-point control register ({@code fp_regs.fpcr}). */
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

    /** {@return the C member expression inside {@code struct kvm_regs}, as {@code KVM_REG_ARM_CORE_REG()} takes it} */
    public String member() { return member; }

    /** {@return the byte offset in {@code struct kvm_regs}} */
    public long offset() { return offset; }

    /** {@return the size in bytes: 8, 16 for V0-V31, 4 for FPSR and FPCR} */
    public int size() { return size; }

    /** {@return the KVM register id, for {@code Vcpu.getOneReg} and {@code setOneReg}} */
    public long id() { return id; }

    /** {@return the id as a {@link RegisterId}} */
    public RegisterId registerId() { return RegisterId.of(id); }

    /**
     * Xn for n in 0..30.
     *
     * @param n the register number
     * @return the register
     * @throws IllegalArgumentException outside 0..30
     */
    public static CoreRegister x(int n) {
        if (n < 0 || n > 30) throw new IllegalArgumentException("x" + n + " does not exist: x0..x30");
        return values()[X0.ordinal() + n];
    }

    /**
     * Vn for n in 0..31.
     *
     * @param n the register number
     * @return the register
     * @throws IllegalArgumentException outside 0..31
     */
    public static CoreRegister v(int n) {
        if (n < 0 || n > 31) throw new IllegalArgumentException("v" + n + " does not exist: v0..v31");
        return values()[V0.ordinal() + n];
    }

    /**
     * {@code spsr[index]} for a KVM_SPSR_* index.
     *
     * @param index 0 (EL1, also AArch32 svc), 1 abt, 2 und, 3 irq, 4 fiq
     * @return the register
     * @throws IllegalArgumentException outside the array
     */
    public static CoreRegister spsr(int index) {
        if (index < 0 || index >= ArmAbi.KVM_NR_SPSR) throw new IllegalArgumentException("spsr[" + index + "] does not exist");
        return values()[SPSR_EL1.ordinal() + index];
    }
}
