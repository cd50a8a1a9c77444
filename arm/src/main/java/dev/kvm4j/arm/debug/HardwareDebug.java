package dev.kvm4j.arm.debug;

import dev.kvm4j.kvm.Vm;
import dev.kvm4j.kvm.abi.Capability;

import java.util.Arrays;
import java.util.OptionalInt;

/**
 * The hardware breakpoint and watchpoint slots of a guest-debug session: what gdb's Z1..Z4 ask for, placed in
 * the first free slot of the {@code kvm_guest_debug_arch} arrays. The counts are the CPU's, from
 * KVM_CAP_GUEST_DEBUG_HW_BPS / _HW_WPS (0 when the kernel does not say: then nothing fits). One set for
 * all vCPUs; {@link GuestDebug} writes it into each.
 */
public final class HardwareDebug {
    /**
     * What is in one breakpoint or watchpoint slot.
     *
     * @param address the guest virtual address
     * @param length the bytes watched; 0 for a breakpoint
     * @param kind what a watchpoint triggers on; null for a breakpoint
     * @param registers the debug register pair the slot programs
     */
    public record Entry(long address, long length, WatchKind kind, DebugRegisters.Slot registers) {}

    private final Entry[] breakpoints;
    private final Entry[] watchpoints;

    /**
     * Empty slots, as many as the CPU has.
     *
     * @param breakpoints the number of hardware breakpoints
     * @param watchpoints the number of hardware watchpoints
     * @throws IllegalArgumentException for a count outside what {@code kvm_guest_debug_arch} holds
     */
    public HardwareDebug(int breakpoints, int watchpoints) {
        if (breakpoints < 0 || breakpoints > DebugAbi.KVM_ARM_MAX_DBG_REGS || watchpoints < 0 || watchpoints > DebugAbi.KVM_ARM_MAX_DBG_REGS) {
            throw new IllegalArgumentException("debug register counts " + breakpoints + "/" + watchpoints + " outside 0.." + DebugAbi.KVM_ARM_MAX_DBG_REGS);
        }
        this.breakpoints = new Entry[breakpoints];
        this.watchpoints = new Entry[watchpoints];
    }

    /**
     * The slots this VM's CPU has.
     *
     * @param vm the VM
     * @return empty slots, as many as KVM says the CPU has
     */
    public static HardwareDebug forVm(Vm vm) {
        int bps = Math.max(0, vm.checkExtension(Capability.GUEST_DEBUG_HW_BPS));
        int wps = Math.max(0, vm.checkExtension(Capability.GUEST_DEBUG_HW_WPS));
        return new HardwareDebug(Math.min(bps, DebugAbi.KVM_ARM_MAX_DBG_REGS), Math.min(wps, DebugAbi.KVM_ARM_MAX_DBG_REGS));
    }

    /** {@return the number of hardware breakpoints} */
    public int breakpointSlots() { return breakpoints.length; }

    /** {@return the number of hardware watchpoints} */
    public int watchpointSlots() { return watchpoints.length; }

    /**
     * The slot used, or empty when all are taken. Inserting the same address twice uses one slot.
     *
     * @param address the guest virtual address
     * @param set the instruction set of the code there (A64, A32 or T32)
     * @return the slot index, or empty
     */
    public OptionalInt insertBreakpoint(long address, InstructionSet set) {
        DebugRegisters.Slot regs = DebugRegisters.breakpoint(address, set);
        return place(breakpoints, new Entry(address, 0, null, regs));
    }

    /**
     * Frees the breakpoint at an address.
     *
     * @param address the guest virtual address
     * @return true if there was one
     */
    public boolean removeBreakpoint(long address) { return free(breakpoints, address, 0, null); }

    /**
     * The slot used; empty when all are taken or the hardware cannot watch exactly this range
     * ({@link #canWatch} tells which).
     *
     * @param address the first guest virtual address watched
     * @param length the number of bytes
     * @param kind reads, writes or both
     * @return the slot index, or empty
     */
    public OptionalInt insertWatchpoint(long address, long length, WatchKind kind) {
        var regs = DebugRegisters.watchpoint(address, length, kind);
        if (regs.isEmpty()) return OptionalInt.empty();
        return place(watchpoints, new Entry(address, length, kind, regs.get()));
    }

    /**
     * Whether the hardware can watch exactly this range: bytes within one doubleword, or a naturally aligned power-of-two block.
     *
     * @param address the first guest virtual address
     * @param length the number of bytes
     * @return true if a watchpoint register pair can express it
     */
    public static boolean canWatch(long address, long length) { return DebugRegisters.watchpoint(address, length, WatchKind.WRITE).isPresent(); }

    /**
     * Frees the watchpoint of exactly this range and kind.
     *
     * @param address the first guest virtual address watched
     * @param length the number of bytes
     * @param kind reads, writes or both
     * @return true if there was one
     */
    public boolean removeWatchpoint(long address, long length, WatchKind kind) { return free(watchpoints, address, length, kind); }

    /**
     * The watchpoint a watchpoint exit's FAR belongs to; empty if none matches (then report the FAR itself).
     *
     * @param far the fault address the exit reported
     * @return the watchpoint, or empty
     */
    public java.util.Optional<Entry> watchpointAt(long far) {
        for (Entry e : watchpoints) {
            if (e != null && DebugRegisters.watches(e.registers(), far)) return java.util.Optional.of(e);
        }
        return java.util.Optional.empty();
    }

    /** {@return true if no slot is in use} */
    public boolean isEmpty() {
        return Arrays.stream(breakpoints).allMatch(e -> e == null) && Arrays.stream(watchpoints).allMatch(e -> e == null);
    }

    /** Frees every slot. */
    public void clear() {
        Arrays.fill(breakpoints, null);
        Arrays.fill(watchpoints, null);
    }

    /** Slot {@code i}'s DBGBVR/DBGBCR (zeros when free). */
    DebugRegisters.Slot breakpointRegisters(int i) { return registers(breakpoints, i); }

    DebugRegisters.Slot watchpointRegisters(int i) { return registers(watchpoints, i); }

    private static DebugRegisters.Slot registers(Entry[] slots, int i) {
        if (i >= slots.length || slots[i] == null) return new DebugRegisters.Slot(0, 0);
        return slots[i].registers();
    }

    private static OptionalInt place(Entry[] slots, Entry e) {
        for (int i = 0; i < slots.length; i++) if (same(slots[i], e.address(), e.length(), e.kind())) return OptionalInt.of(i);
        for (int i = 0; i < slots.length; i++) {
            if (slots[i] == null) {
                slots[i] = e;
                return OptionalInt.of(i);
            }
        }
        return OptionalInt.empty();
    }

    private static boolean free(Entry[] slots, long address, long length, WatchKind kind) {
        for (int i = 0; i < slots.length; i++) {
            if (same(slots[i], address, length, kind)) {
                slots[i] = null;
                return true;
            }
        }
        return false;
    }

    private static boolean same(Entry e, long address, long length, WatchKind kind) {
        return e != null && e.address() == address && e.length() == length && e.kind() == kind;
    }
}
