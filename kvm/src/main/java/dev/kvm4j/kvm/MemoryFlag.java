package dev.kvm4j.kvm;

import dev.kvm4j.kvm.abi.KvmIoctls;

/** Flags of a memory slot ({@code KVM_MEM_*}). */
public enum MemoryFlag {
    /** Track writes for {@link Vm#dirtyLog(int)}. */
    LOG_DIRTY_PAGES(KvmIoctls.KVM_MEM_LOG_DIRTY_PAGES),
    /** Guest writes exit to the VMM as MMIO instead of changing memory. */
    READONLY(KvmIoctls.KVM_MEM_READONLY);

    private final int bit;

    MemoryFlag(int bit) { this.bit = bit; }

    /** {@return the flag's bit in {@code kvm_userspace_memory_region.flags}} */
    public int bit() { return bit; }
}
