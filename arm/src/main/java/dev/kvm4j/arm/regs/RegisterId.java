package dev.kvm4j.arm.regs;

import dev.kvm4j.arm.abi.ArmAbi;

import static dev.kvm4j.arm.abi.ArmAbi.*;

/**
 * A KVM register id: {@code KVM_REG_ARM64 | size | group | index}. Any 64-bit value is accepted, since the
 * kernel may list ids newer than kvm4j; the factories build well-formed ones and reject out-of-range fields.
 * Ids order as the kernel's sort does (unsigned): 32-bit registers, then 64-bit, then 128-bit.
 *
 * @param value the 64-bit id, as {@code KVM_GET_REG_LIST} lists it and {@code ONE_REG} takes it
 */
public record RegisterId(long value) implements Comparable<RegisterId> {
    private static final int Z_BASE_MASK = 0xfc00, PF_BASE_MASK = 0xfe00, SVE_SLICE_MASK = 0x1f;

    /**
     * The id with this value, well-formed or not.
     *
     * @param value the 64-bit id
     * @return the id
     */
    public static RegisterId of(long value) { return new RegisterId(value); }

    /**
     * The id a name stands for: a table name, a generic name, or a raw {@code 0x...} id.
     *
     * @param name e.g. {@code SCTLR_EL1}, {@code x3}, {@code S3_0_C1_C0_0} or {@code 0x6030000000100000}
     * @return the id
     * @throws IllegalArgumentException for a name that is none of these
     */
    public static RegisterId parse(String name) { return RegisterNames.parse(name); }

    /**
     * A core register by its word index in {@code struct kvm_regs} and its size in bytes.
     *
     * @param wordIndex the member's byte offset divided by 4
     * @param sizeBytes 4, 8 or 16
     * @return the id
     * @throws IllegalArgumentException for a field out of range
     */
    public static RegisterId core(int wordIndex, int sizeBytes) {
        check("core word index", wordIndex, 0xffff);
        return of(KVM_REG_ARM64 | sizeField(sizeBytes) | KVM_REG_ARM_CORE | wordIndex);
    }

    /**
     * {@code ARM64_SYS_REG(op0, op1, crn, crm, op2)}: a system register by its encoding in the Arm ARM.
     *
     * @param op0 0..3
     * @param op1 0..7
     * @param crn 0..15
     * @param crm 0..15
     * @param op2 0..7
     * @return the id, 64 bits wide
     * @throws IllegalArgumentException for a field out of range
     */
    public static RegisterId sysreg(int op0, int op1, int crn, int crm, int op2) {
        check("op0", op0, 3);
        check("op1", op1, 7);
        check("CRn", crn, 15);
        check("CRm", crm, 15);
        check("op2", op2, 7);
        return of(ArmAbi.sysreg(op0, op1, crn, crm, op2));
    }

    /**
     * {@code KVM_REG_ARM_FW_REG(index)}: a firmware pseudo-register (PSCI version, SMCCC workarounds).
     *
     * @param index 0..0xffff
     * @return the id
     * @throws IllegalArgumentException for an index out of range
     */
    public static RegisterId firmware(int index) {
        check("firmware register index", index, 0xffff);
        return of(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_FW | index);
    }

    /**
     * {@code KVM_REG_ARM_FW_FEAT_BMAP_REG(index)}: a bitmap of the hypercall services offered to the guest.
     *
     * @param index 0..0xffff
     * @return the id
     * @throws IllegalArgumentException for an index out of range
     */
    public static RegisterId firmwareBitmap(int index) {
        check("firmware bitmap index", index, 0xffff);
        return of(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_FW_FEAT_BMAP | index);
    }

    /**
     * CCSIDR_EL1 as selected by CSSELR_EL1 = {@code csselr}: a 32-bit demux register.
     *
     * @param csselr the cache level and type, 0..0xff
     * @return the id
     * @throws IllegalArgumentException for a value out of range
     */
    public static RegisterId ccsidr(int csselr) {
        check("CSSELR value", csselr, 0xff);
        return of(KVM_REG_ARM64 | KVM_REG_SIZE_U32 | KVM_REG_ARM_DEMUX | KVM_REG_ARM_DEMUX_ID_CCSIDR | csselr);
    }

    /**
     * {@code KVM_REG_ARM64_SVE_ZREG(n, slice)}.
     *
     * @param n the Z register, 0..31
     * @param slice the 2048-bit slice
     * @return the id
     * @throws IllegalArgumentException for a field out of range
     */
    public static RegisterId sveZ(int n, int slice) {
        check("Z register", n, KVM_ARM64_SVE_NUM_ZREGS - 1);
        return sve(KVM_REG_SIZE_U2048, KVM_REG_ARM64_SVE_ZREG_BASE, n, slice);
    }

    /**
     * {@code KVM_REG_ARM64_SVE_PREG(n, slice)}.
     *
     * @param n the P register, 0..15
     * @param slice the 256-bit slice
     * @return the id
     * @throws IllegalArgumentException for a field out of range
     */
    public static RegisterId sveP(int n, int slice) {
        check("P register", n, KVM_ARM64_SVE_NUM_PREGS - 1);
        return sve(KVM_REG_SIZE_U256, KVM_REG_ARM64_SVE_PREG_BASE, n, slice);
    }

    /**
     * {@code KVM_REG_ARM64_SVE_FFR(slice)}.
     *
     * @param slice the 256-bit slice
     * @return the id
     * @throws IllegalArgumentException for a slice out of range
     */
    public static RegisterId sveFfr(int slice) { return sve(KVM_REG_SIZE_U256, KVM_REG_ARM64_SVE_FFR_BASE, 0, slice); }

    /** {@return {@code KVM_REG_ARM64_SVE_VLS}, the pseudo-register of the vector lengths the vCPU may use} */
    public static RegisterId sveVls() { return of(KVM_REG_ARM64_SVE_VLS); }

    private static RegisterId sve(long size, int base, int n, int slice) {
        check("SVE slice", slice, KVM_ARM64_SVE_MAX_SLICES - 1);
        return of(KVM_REG_ARM64 | KVM_REG_ARM64_SVE | size | base | ((long) n << 5) | slice);
    }

    /**
     * KVM_REG_SIZE_Uxx for a size of 1..256 bytes.
     *
     * @param sizeBytes a power of two from 1 to 256
     * @return the size field, in place (bits 52..55)
     * @throws IllegalArgumentException for another size
     */
    public static long sizeField(int sizeBytes) {
        if (sizeBytes < 1 || sizeBytes > 256 || Integer.bitCount(sizeBytes) != 1) {
            throw new IllegalArgumentException("register size " + sizeBytes + " bytes: must be a power of two from 1 to 256");
        }
        return (long) Integer.numberOfTrailingZeros(sizeBytes) << KVM_REG_SIZE_SHIFT;
    }

    private static void check(String what, int value, int max) {
        if (value < 0 || value > max) throw new IllegalArgumentException(what + " " + value + " is out of range 0.." + max);
    }

    // ---- decoding ----

    /** {@return true if the architecture field says {@code KVM_REG_ARM64}} */
    public boolean isArm64() { return (value & KVM_REG_ARCH_MASK) == KVM_REG_ARM64; }

    /** {@return the size in bytes the id declares (1..256; the field has room for sizes the ABI does not define)} */
    public int size() { return 1 << (int) ((value & KVM_REG_SIZE_MASK) >>> KVM_REG_SIZE_SHIFT); }

    /** {@return the KVM_REG_SIZE_Uxx bits, in place} */
    public long sizeBits() { return value & KVM_REG_SIZE_MASK; }

    /**
     * {@return the group (core, system, firmware, demux, SVE ...), or {@link RegisterGroup#OTHER} for a non-arm64 id}
     */
    public RegisterGroup group() {
        return isArm64() ? RegisterGroup.of(value & KVM_REG_ARM_COPROC_MASK) : RegisterGroup.OTHER;
    }

    /** {@return the low 16 bits: the core word index, firmware index, or packed sysreg/SVE/demux fields} */
    public int index() { return (int) (value & 0xffff); }

    /** Bits no group uses (between the group field and the size): zero in every well-formed id. */
    boolean hasStrayBits() { return (value & 0x000FFFFFF0000000L) != 0; }

    /** {@return a core register's word index in {@code struct kvm_regs}} */
    public int coreWordIndex() { return index(); }

    /** {@return a system register's op0} */
    public int op0() { return (int) ((value & KVM_REG_ARM64_SYSREG_OP0_MASK) >>> KVM_REG_ARM64_SYSREG_OP0_SHIFT); }

    /** {@return a system register's op1} */
    public int op1() { return (int) ((value & KVM_REG_ARM64_SYSREG_OP1_MASK) >>> KVM_REG_ARM64_SYSREG_OP1_SHIFT); }

    /** {@return a system register's CRn} */
    public int crn() { return (int) ((value & KVM_REG_ARM64_SYSREG_CRN_MASK) >>> KVM_REG_ARM64_SYSREG_CRN_SHIFT); }

    /** {@return a system register's CRm} */
    public int crm() { return (int) ((value & KVM_REG_ARM64_SYSREG_CRM_MASK) >>> KVM_REG_ARM64_SYSREG_CRM_SHIFT); }

    /** {@return a system register's op2} */
    public int op2() { return (int) ((value & KVM_REG_ARM64_SYSREG_OP2_MASK) >>> KVM_REG_ARM64_SYSREG_OP2_SHIFT); }

    /** {@return a demux register's id field ({@code KVM_REG_ARM_DEMUX_ID_CCSIDR} for CCSIDR_EL1)} */
    public int demuxId() { return (int) ((value & KVM_REG_ARM_DEMUX_ID_MASK) >>> KVM_REG_ARM_DEMUX_ID_SHIFT); }

    /** {@return a demux register's selector (for CCSIDR_EL1 the CSSELR_EL1 value)} */
    public int demuxValue() { return (int) ((value & KVM_REG_ARM_DEMUX_VAL_MASK) >>> KVM_REG_ARM_DEMUX_VAL_SHIFT); }

    /**
     * The block of an SVE id: KVM_REG_ARM64_SVE_ZREG_BASE, _PREG_BASE or _FFR_BASE. Z numbers use bits 5..9,
     * so only an index with nothing above bit 9 is a Z slice; the P and FFR bases sit from bit 9 up.
     *
     * @return the base
     */
    public int sveBase() { return (index() & Z_BASE_MASK) == 0 ? KVM_REG_ARM64_SVE_ZREG_BASE : index() & PF_BASE_MASK; }

    /** {@return the n of Zn or Pn (0 for FFR)} */
    public int sveRegister() { return (index() & ~sveBase()) >>> 5; }

    /** {@return the slice number of an SVE id} */
    public int sveSlice() { return (int) (value & SVE_SLICE_MASK); }

    // ---- naming ----

    /** {@return the register's name: table name, generic encoding name, or the raw id in hex; never throws} */
    public String name() { return RegisterNames.name(this); }

    /**
     * True when the name says which register this is (a core, system-register or firmware table name, or
     * CCSIDR_EL1[n], Zn, Pn, FFR); false for a generic encoding ({@code S3_0_C0_C3_3}, {@code FW[0x9]}) or a raw id.
     *
     * @return whether {@link #name()} is an architectural name
     */
    public boolean hasArchitecturalName() { return RegisterNames.isArchitectural(this); }

    @Override
    public int compareTo(RegisterId o) { return Long.compareUnsigned(value, o.value); }

    @Override
    public String toString() { return name(); }
}
