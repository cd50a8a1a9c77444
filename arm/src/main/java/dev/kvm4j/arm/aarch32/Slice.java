package dev.kvm4j.arm.aarch32;

import dev.kvm4j.arm.regs.CoreRegister;
import dev.kvm4j.arm.regs.CpuState;

/**
 * The bits of one AArch64 core register that hold (part of) an AArch32 register: the {@code mask} bits of
 * 64-bit word {@code word} (word 1 is the top half of a V register). Writing leaves the other bits alone.
 *
 * @param register the AArch64 core register
 * @param word which 64-bit word of it
 * @param mask the bits of that word
 */
public record Slice(CoreRegister register, int word, long mask) {
    static final long LOW32 = 0xffff_ffffL, ALL64 = -1L;

    long read(CpuState s) { return s.get(register).word(word) & mask; }

    CpuState write(CpuState s, long value) { return s.with(register, s.get(register).withWord(word, mask, value)); }
}
