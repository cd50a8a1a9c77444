package dev.kvm4j.vmm.gdb;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * A DebugTarget with no guest: two AArch64 vCPUs whose registers are a map, 64 KiB of "memory" at
 * {@link #BASE} (virtual = physical), at most {@link #HW_SLOTS} hardware breakpoints. {@code resume} answers
 * from another thread as a machine would: a step moves the PC by 4, a continue stops at the first breakpoint
 * or watchpoint inserted (or runs until {@link #interrupt}).
 */
final class FakeTarget implements DebugTarget {
    static final long BASE = 0x4000_0000L;
    static final int SIZE = 0x1_0000, HW_SLOTS = 2;

    record Insert(BreakpointType type, long address, int kind) {}

    final byte[] memory = new byte[SIZE];
    final Map<Integer, byte[]>[] registers;
    final List<Insert> inserted = new ArrayList<>();
    final List<String> log = new ArrayList<>();
    final CountDownLatch detached = new CountDownLatch(1), killed = new CountDownLatch(1);
    volatile boolean runUntilInterrupted;
    private volatile StopListener running;
    private volatile StopEvent last = StopEvent.Stopped.trap(0);

    @SuppressWarnings("unchecked")
    FakeTarget() {
        registers = new Map[2];
        for (int v = 0; v < 2; v++) {
            registers[v] = new HashMap<>();
            for (TargetDescription.Register r : description().registers()) {
                byte[] b = new byte[r.bytes()];
                long value = r.regnum() <= 30 ? 0x1000L * (v + 1) + r.regnum() : r.regnum() == 32 ? BASE : r.regnum() == 33 ? 0x3c5 : 0;
                if (r.regnum() >= 34 && r.regnum() <= 65) for (int i = 0; i < 16; i++) b[i] = (byte) (r.regnum() + i);
                else System.arraycopy(Hex.littleEndian(value, r.bytes()), 0, b, 0, r.bytes());
                registers[v].put(r.regnum(), b);
            }
        }
        for (int i = 0; i < SIZE; i += 4) { // "instructions": nop
            memory[i] = 0x1f; memory[i + 1] = 0x20; memory[i + 2] = 0x03; memory[i + 3] = (byte) 0xd5;
        }
    }

    long pc(int vcpu) { return Hex.fromLittleEndian(registers[vcpu].get(32)); }

    private void setPc(int vcpu, long pc) { registers[vcpu].put(32, Hex.littleEndian(pc, 8)); }

    @Override public TargetDescription description() { return TargetDescription.AARCH64; }

    @Override public List<Integer> vcpus() { return List.of(0, 1); }

    @Override
    public byte[] readRegister(int vcpu, int regno) throws TargetException {
        byte[] b = registers[vcpu].get(regno);
        if (b == null) throw new TargetException(TargetException.EINVAL, "no register " + regno);
        return b.clone();
    }

    @Override
    public void writeRegister(int vcpu, int regno, byte[] value) throws TargetException {
        if (!registers[vcpu].containsKey(regno)) throw new TargetException(TargetException.EINVAL, "no register " + regno);
        registers[vcpu].put(regno, value.clone());
        log.add("write r" + regno + " on " + vcpu);
    }

    @Override
    public byte[] readMemory(int vcpu, long address, int length) throws TargetException {
        if (address < BASE || address - BASE + length > SIZE) throw new TargetException(TargetException.EFAULT, "not mapped");
        return Arrays.copyOfRange(memory, (int) (address - BASE), (int) (address - BASE) + length);
    }

    @Override
    public void writeMemory(int vcpu, long address, byte[] data) throws TargetException {
        if (address < BASE || address - BASE + data.length > SIZE) throw new TargetException(TargetException.EFAULT, "not mapped");
        System.arraycopy(data, 0, memory, (int) (address - BASE), data.length);
    }

    @Override
    public synchronized BreakpointResult insertBreakpoint(BreakpointType type, long address, int kind) {
        log.add("Z" + type.ordinal() + " " + Long.toHexString(address) + " " + kind);
        if (type == BreakpointType.HARDWARE && inserted.stream().filter(i -> i.type() == BreakpointType.HARDWARE).count() >= HW_SLOTS) return BreakpointResult.NO_ROOM;
        inserted.add(new Insert(type, address, kind));
        return BreakpointResult.OK;
    }

    @Override
    public synchronized BreakpointResult removeBreakpoint(BreakpointType type, long address, int kind) {
        log.add("z" + type.ordinal() + " " + Long.toHexString(address) + " " + kind);
        inserted.remove(new Insert(type, address, kind));
        return BreakpointResult.OK;
    }

    @Override
    public void resume(int stepVcpu, StopListener listener) {
        log.add(stepVcpu >= 0 ? "step " + stepVcpu : "continue");
        running = listener;
        if (stepVcpu >= 0) {
            setPc(stepVcpu, pc(stepVcpu) + 4);
            report(StopEvent.Stopped.trap(stepVcpu));
            return;
        }
        if (runUntilInterrupted) return;
        Insert first;
        synchronized (this) {
            first = inserted.isEmpty() ? null : inserted.getFirst();
        }
        if (first == null) {
            report(new StopEvent.Exited(0));
            return;
        }
        StopEvent.Kind kind = switch (first.type()) {
            case SOFTWARE -> StopEvent.Kind.SOFTWARE_BREAK;
            case HARDWARE -> StopEvent.Kind.HARDWARE_BREAK;
            case WRITE_WATCH -> StopEvent.Kind.WATCH;
            case READ_WATCH -> StopEvent.Kind.READ_WATCH;
            case ACCESS_WATCH -> StopEvent.Kind.ACCESS_WATCH;
        };
        if (!first.type().isWatchpoint()) setPc(0, first.address());
        if (first.type() == BreakpointType.WRITE_WATCH) memory[(int) (first.address() - BASE)]++; // the "store" gdb then sees
        report(new StopEvent.Stopped(0, StopEvent.SIGTRAP, kind, first.address()));
    }

    private void report(StopEvent e) {
        last = e;
        StopListener l = running;
        running = null;
        Thread.ofPlatform().start(() -> l.stopped(e)); // from "a vCPU thread", as the real target does
    }

    @Override
    public void interrupt() {
        log.add("interrupt");
        if (running != null) report(new StopEvent.Stopped(0, StopEvent.SIGINT, StopEvent.Kind.OTHER, 0));
    }

    @Override public StopEvent lastStop() { return last; }

    @Override
    public synchronized void attach() { log.add("attach"); }

    @Override
    public synchronized void detach() {
        log.add("detach");
        inserted.clear();
        detached.countDown();
    }

    @Override
    public void kill() {
        log.add("kill");
        killed.countDown();
    }
}
