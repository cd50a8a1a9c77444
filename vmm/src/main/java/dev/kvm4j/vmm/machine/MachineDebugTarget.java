package dev.kvm4j.vmm.machine;

import dev.kvm4j.arm.debug.DebugExit;
import dev.kvm4j.arm.debug.DebugReason;
import dev.kvm4j.arm.debug.ExceptionInjector;
import dev.kvm4j.arm.debug.GuestDebug;
import dev.kvm4j.arm.debug.HardwareDebug;
import dev.kvm4j.arm.debug.InstructionSet;
import dev.kvm4j.arm.debug.PageTableWalker;
import dev.kvm4j.arm.debug.PhysicalMemory;
import dev.kvm4j.arm.debug.SoftwareBreakpoints;
import dev.kvm4j.arm.debug.Translation;
import dev.kvm4j.arm.debug.TranslationRegime;
import dev.kvm4j.arm.debug.WatchKind;
import dev.kvm4j.arm.psci.PowerEvent;
import dev.kvm4j.arm.regs.CoreRegister;
import dev.kvm4j.arm.run.RunEnd;
import dev.kvm4j.kvm.Vcpu;
import dev.kvm4j.kvm.VcpuExit;
import dev.kvm4j.vmm.gdb.BreakpointResult;
import dev.kvm4j.vmm.gdb.BreakpointType;
import dev.kvm4j.vmm.gdb.DebugTarget;
import dev.kvm4j.vmm.gdb.StopEvent;
import dev.kvm4j.vmm.gdb.TargetDescription;
import dev.kvm4j.vmm.gdb.TargetException;

import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * A {@link Machine} as gdb sees it: its vCPUs are gdb's threads, stopped and resumed all together through the
 * machine's pause; a KVM_EXIT_DEBUG that is the debugger's pauses the machine and is reported, the guest's own
 * BRK is injected back into it. Registers and memory go through {@link MachineRegisters} and the guest's page
 * tables; breakpoints are {@code BRK}/{@code BKPT} patches in RAM (Z0) or the debug registers (Z1–Z4), set on
 * every vCPU whenever they change.
 */
public final class MachineDebugTarget implements DebugTarget {
    private final Machine machine;
    private final List<Vcpu> vcpus;
    private final PhysicalMemory memory;
    private final SoftwareBreakpoints software;
    private final HardwareDebug hardware;
    private final boolean aarch32;

    private final Object lock = new Object();
    /** Who gets the next stop; null while stopped. */
    private StopListener listener;
    /** The vCPU a single step lets run, or -1. */
    private int stepping = -1;
    private StopEvent last = StopEvent.Stopped.trap(0);
    private volatile boolean ended;
    /** The vCPUs run without a gdb waiting for their stop (before the first gdb, after a detach). */
    private boolean unattended;

    private MachineDebugTarget(Machine machine) {
        this.machine = machine;
        this.vcpus = machine.vcpus();
        this.memory = PhysicalMemory.of(machine.ram());
        this.software = new SoftwareBreakpoints(memory);
        this.hardware = HardwareDebug.forVm(machine.vm());
        this.aarch32 = machine.config().aarch32();
    }

    /**
     * Attaches to a machine that has not started, and starts it with every vCPU parked before its first
     * instruction: gdb's first {@code c} lets it run (that is {@code --gdb-wait}; without it, call
     * {@link #resumeUnattended()} after starting a gdb server).
     *
     * @param machine a machine in phase BUILT
     * @return the debug target for a gdb server
     * @throws InterruptedException when interrupted while the vCPUs park
     */
    public static MachineDebugTarget startPaused(Machine machine) throws InterruptedException {
        MachineDebugTarget t = new MachineDebugTarget(machine);
        machine.debugHook(t::debugExit);
        machine.startPaused();
        Thread.ofPlatform().daemon().name("kvm4j-gdb-end").start(t::watchEnd);
        return t;
    }

    /** Lets a machine started by {@link #startPaused} run before any gdb has connected. */
    public void resumeUnattended() {
        synchronized (lock) {
            unattended = true;
        }
        machine.resume();
    }

    /** Stops an unattended machine for a gdb that connects; it reports a trap on vCPU 0 for {@code ?}. */
    @Override
    public void attach() {
        synchronized (lock) {
            if (!unattended || ended) return;
            unattended = false;
        }
        try {
            machine.pauseAll();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (lock) {
            if (!ended) last = StopEvent.Stopped.trap(0);
        }
    }

    @Override
    public TargetDescription description() { return aarch32 ? TargetDescription.ARM : TargetDescription.AARCH64; }

    @Override
    public List<Integer> vcpus() { return IntStream.range(0, vcpus.size()).boxed().toList(); }

    @Override
    public byte[] readRegister(int vcpu, int regno) throws TargetException {
        return MachineRegisters.read(vcpu(vcpu), aarch32, regno);
    }

    @Override
    public void writeRegister(int vcpu, int regno, byte[] value) throws TargetException {
        MachineRegisters.write(vcpu(vcpu), aarch32, regno, value);
    }

    @Override
    public byte[] readMemory(int vcpu, long address, int length) throws TargetException {
        byte[] out = new byte[length];
        Vcpu v = vcpu(vcpu);
        TranslationRegime regime = TranslationRegime.read(v);
        int done = 0;
        while (done < length) {
            long va = address + done;
            int n = (int) Math.min(length - done, 0x1000 - (va & 0xfff)); // no page crossed in one piece
            byte[] piece = new byte[n];
            if (!memory.read(physical(regime, va), piece)) throw fault(va, "is not guest RAM");
            System.arraycopy(piece, 0, out, done, n);
            // gdb must see the guest's own instruction, not our BRK
            done += n;
        }
        for (SoftwareBreakpoints.Patch p : software.all()) {
            for (int i = 0; i < p.original().length; i++) {
                long at = p.address() + i - address;
                if (at >= 0 && at < length) out[(int) at] = p.original()[i];
            }
        }
        return out;
    }

    @Override
    public void writeMemory(int vcpu, long address, byte[] data) throws TargetException {
        TranslationRegime regime = TranslationRegime.read(vcpu(vcpu));
        int done = 0;
        while (done < data.length) {
            long va = address + done;
            int n = (int) Math.min(data.length - done, 0x1000 - (va & 0xfff));
            byte[] piece = java.util.Arrays.copyOfRange(data, done, done + n);
            if (!memory.write(physical(regime, va), piece)) throw fault(va, "is not guest RAM");
            done += n;
        }
    }

    @Override
    public BreakpointResult insertBreakpoint(BreakpointType type, long address, int kind) throws TargetException {
        synchronized (lock) {
            BreakpointResult r = switch (type) {
                case SOFTWARE -> {
                    long pa = physical(TranslationRegime.read(vcpus.getFirst()), address);
                    InstructionSet set = instructionSet(kind);
                    var failure = software.insert(address, pa, set);
                    if (failure.isPresent()) throw new TargetException(TargetException.EFAULT, "cannot patch a breakpoint at 0x" + Long.toHexString(address) + ": " + failure.get());
                    yield BreakpointResult.OK;
                }
                case HARDWARE -> hardware.insertBreakpoint(address, instructionSet(kind)).isPresent() ? BreakpointResult.OK : BreakpointResult.NO_ROOM;
                default -> {
                    if (!HardwareDebug.canWatch(address, kind)) yield BreakpointResult.UNSUPPORTED;
                    yield hardware.insertWatchpoint(address, kind, watchKind(type)).isPresent() ? BreakpointResult.OK : BreakpointResult.NO_ROOM;
                }
            };
            applyControl();
            return r;
        }
    }

    @Override
    public BreakpointResult removeBreakpoint(BreakpointType type, long address, int kind) throws TargetException {
        synchronized (lock) {
            switch (type) {
                case SOFTWARE -> software.remove(address);
                case HARDWARE -> hardware.removeBreakpoint(address);
                default -> hardware.removeWatchpoint(address, kind, watchKind(type));
            }
            applyControl();
            return BreakpointResult.OK;
        }
    }

    @Override
    public void resume(int stepVcpu, StopListener l) throws TargetException {
        if (ended) {
            l.stopped(new StopEvent.Exited(0));
            return;
        }
        synchronized (lock) {
            listener = l;
            stepping = stepVcpu;
            applyControl();
            if (stepVcpu >= 0) machine.resumeOnly(stepVcpu);
            else machine.resume();
        }
    }

    @Override
    public void interrupt() { report(vcpuOfInterrupt(), new StopEvent.Stopped(vcpuOfInterrupt(), StopEvent.SIGINT, StopEvent.Kind.OTHER, 0)); }

    @Override
    public StopEvent lastStop() {
        synchronized (lock) {
            return last;
        }
    }

    /**
     * Also when gdb went away while the guest runs: the machine is paused first, because KVM_SET_GUEST_DEBUG
     * waits for a vCPU to leave KVM_RUN (an idle one may not for long), and a vCPU that hit a breakpoint in the
     * meantime is parked waiting for a resume.
     */
    @Override
    public void detach() {
        synchronized (lock) {
            listener = null;
        }
        try {
            machine.pauseAll();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (lock) {
            stepping = -1;
            software.clear();
            hardware.clear();
            if (ended) return;
            for (Vcpu v : vcpus) GuestDebug.apply(v, GuestDebug.Control.OFF);
            unattended = true;
        }
        machine.resume();
    }

    @Override
    public void kill() { machine.requestStop("gdb killed the machine"); }

    // ---- the vCPU threads' side ----------------------------------------------------------------------------

    /** On a vCPU thread: true parks it (the stop is the debugger's), false lets the guest go on. */
    private boolean debugExit(Vcpu vcpu, VcpuExit.Debug exit) {
        DebugExit e;
        synchronized (lock) {
            e = DebugExit.read(vcpu, exit, software);
        }
        int index = vcpus.indexOf(vcpu);
        StopEvent.Stopped stop = switch (e.reason()) {
            case DebugReason.GuestBreak g -> {
                if (ExceptionInjector.injectSynchronous(vcpu, e.esr()) == ExceptionInjector.Result.INJECTED) yield null;
                yield new StopEvent.Stopped(index, StopEvent.SIGTRAP, StopEvent.Kind.OTHER, 0); // cannot give it back: show gdb
            }
            case DebugReason.SoftwareBreakpoint b -> new StopEvent.Stopped(index, StopEvent.SIGTRAP, StopEvent.Kind.SOFTWARE_BREAK, 0);
            case DebugReason.HardwareBreakpoint b -> new StopEvent.Stopped(index, StopEvent.SIGTRAP, StopEvent.Kind.HARDWARE_BREAK, 0);
            case DebugReason.Watchpoint w -> watchStop(index, w);
            case DebugReason.SingleStep s -> StopEvent.Stopped.trap(index);
            case DebugReason.Unknown u -> StopEvent.Stopped.trap(index);
        };
        if (stop == null) return false;
        report(index, stop);
        return true;
    }

    private StopEvent.Stopped watchStop(int index, DebugReason.Watchpoint w) {
        Optional<HardwareDebug.Entry> entry;
        synchronized (lock) {
            entry = hardware.watchpointAt(w.far());
        }
        StopEvent.Kind kind = entry.map(en -> switch (en.kind()) {
            case READ -> StopEvent.Kind.READ_WATCH;
            case WRITE -> StopEvent.Kind.WATCH;
            default -> StopEvent.Kind.ACCESS_WATCH;
        }).orElse(w.write() ? StopEvent.Kind.WATCH : StopEvent.Kind.READ_WATCH);
        return new StopEvent.Stopped(index, StopEvent.SIGTRAP, kind, entry.map(HardwareDebug.Entry::address).orElse(w.far()));
    }

    /**
     * Pauses the whole machine on another thread (a vCPU thread cannot wait for itself) and then tells the
     * listener; the first stop after a resume wins, a later one (another vCPU hitting too) finds no listener.
     */
    private void report(int index, StopEvent.Stopped stop) {
        StopListener l;
        synchronized (lock) {
            l = listener;
            listener = null;
        }
        if (l == null) return;
        Thread.ofPlatform().daemon().name("kvm4j-gdb-stop").start(() -> {
            try {
                machine.pauseAll();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            synchronized (lock) {
                if (stepping >= 0) {
                    stepping = -1;
                    if (!ended) applyControl();
                }
                last = ended ? new StopEvent.Exited(0) : stop;
            }
            l.stopped(lastStop());
        });
    }

    /** Waits for the machine's end (power-off, failure, k) and tells a waiting gdb. */
    private void watchEnd() {
        RunEnd end;
        try {
            end = machine.await();
        } catch (InterruptedException e) {
            return;
        }
        ended = true;
        StopListener l;
        StopEvent exited = new StopEvent.Exited(end instanceof RunEnd.Power p && p.event() instanceof PowerEvent.PowerOff ? 0 : 1);
        synchronized (lock) {
            last = exited;
            l = listener;
            listener = null;
        }
        if (l != null) l.stopped(exited);
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    /** KVM_SET_GUEST_DEBUG on every vCPU: breakpoints everywhere, single step only on the stepping one. */
    private void applyControl() {
        for (int i = 0; i < vcpus.size(); i++) {
            GuestDebug.apply(vcpus.get(i), new GuestDebug.Control(i == stepping, true, hardware));
        }
    }

    private int vcpuOfInterrupt() {
        synchronized (lock) {
            return Math.max(stepping, 0);
        }
    }

    private Vcpu vcpu(int vcpu) throws TargetException {
        if (ended) throw new TargetException(TargetException.EIO, "the machine has ended");
        if (vcpu < 0 || vcpu >= vcpus.size()) throw new TargetException(TargetException.EINVAL, "there is no vCPU " + vcpu);
        return vcpus.get(vcpu);
    }

    private long physical(TranslationRegime regime, long va) throws TargetException {
        return switch (PageTableWalker.translate(regime, va, memory)) {
            case Translation.Mapped m -> m.physical();
            case Translation.Fault f -> throw fault(va, String.format("does not translate (TCR_EL1 0x%x, TTBR%d 0x%x): %s",
                    regime.tcr(), va < 0 ? 1 : 0, va < 0 ? regime.ttbr1() : regime.ttbr0(), f));
        };
    }

    private static TargetException fault(long va, String why) {
        return new TargetException(TargetException.EFAULT, String.format("guest address 0x%x %s", va, why));
    }

    private InstructionSet instructionSet(int kind) throws TargetException {
        try {
            return InstructionSet.ofGdbKind(aarch32, kind);
        } catch (IllegalArgumentException e) {
            throw new TargetException(TargetException.EINVAL, e.getMessage());
        }
    }

    private static WatchKind watchKind(BreakpointType type) {
        return switch (type) {
            case READ_WATCH -> WatchKind.READ;
            case ACCESS_WATCH -> WatchKind.ACCESS;
            default -> WatchKind.WRITE;
        };
    }
}
