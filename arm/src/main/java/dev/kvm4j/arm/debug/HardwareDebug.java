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
    /** What is in one breakpoint or watchpoint slot; {@code length} is 0 for breakpoints. */
    public record Entry(long address, long length, WatchKind kind, DebugRegisters.Slot registers) {}

    private final Entry[] breakpoints;
    private final Entry[] watchpoints;

    public HardwareDebug(int breakpoints, int watchpoints) {
        if (breakpoints < 0 || breakpoints > DebugAbi.KVM_ARM_MAX_DBG_REGS || watchpoints < 0 || watchpoints > DebugAbi.KVM_ARM_MAX_DBG_REGS) {
            throw new IllegalArgumentException("debug register counts " + breakpoints + "/" + watchpoints + " outside 0.." + DebugAbi.KVM_ARM_MAX_DBG_REGS);
        }
        this.breakpoints = new Entry[breakpoints];
        this.watchpoints = new Entry[watchpoints];
    }

    /** The slots this VM's CPU has. */
    public static HardwareDebug forVm(Vm vm) {
        int bps = Math.max(0, vm.checkExtension(Capability.GUEST_DEBUG_HW_BPS));
        int wps = Math.max(0, vm.checkExtension(Capability.GUEST_DEBUG_HW_WPS));
        return new HardwareDebug(Math.min(bps, DebugAbi.KVM_ARM_MAX_DBG_REGS), Math.min(wps, DebugAbi.KVM_ARM_MAX_DBG_REGS));
    }

    public int breakpointSlots() { return breakpoints.length; }

    public int watchpointSlots() { return watchpoints.length; }

    /** The slot used, or empty when all are taken. Inserting the same address twice uses one slot. */
    public OptionalInt insertBreakpoint(long address, InstructionSet set) {
        DebugRegisters.Slot regs = DebugRegisters.breakpoint(address, set);
        return place(breakpoints, new Entry(address, 0, null, regs));
    }

    public boolean removeBreakpoint(long address) { return free(breakpoints, address, 0, null); }

    /**
     * The slot used; empty when all are taken or the hardware cannot watch exactly this range
     * ({@link #canWatch} tells which).
     */
    public OptionalInt insertWatchpoint(long address, long length, WatchKind kind) {
        var regs = DebugRegisters.watchpoint(address, length, kind);
        if (regs.isEmpty()) return OptionalInt.empty();
        return place(watchpoints, new Entry(address, length, kind, regs.get()));
    }

    public static boolean canWatch(long address, long length) { return DebugRegisters.watchpoint(address, length, WatchKind.WRITE).isPresent(); }

    public boolean removeWatchpoint(long address, long length, WatchKind kind) { return free(watchpoints, address, length, kind); }

    /** The watchpoint a watchpoint exit's FAR belongs to; empty if none matches (then report the FAR itself). */
    public java.util.Optional<Entry> watchpointAt(long far) {
        for (Entry e : watchpoints) {
            if (e != null && DebugRegisters.watches(e.registers(), far)) return java.util.Optional.of(e);
        }
        return java.util.Optional.empty();
    }

    public boolean isEmpty() {
        return Arrays.stream(breakpoints).allMatch(e -> e == null) && Arrays.stream(watchpoints).allMatch(e -> e == null);
    }

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
