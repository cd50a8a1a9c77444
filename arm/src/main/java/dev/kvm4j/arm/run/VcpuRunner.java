package dev.kvm4j.arm.run;

import dev.kvm4j.arm.psci.PowerEvent;
import dev.kvm4j.arm.regs.CoreRegister;
import dev.kvm4j.kvm.ClosedHandleException;
import dev.kvm4j.kvm.Vcpu;
import dev.kvm4j.kvm.VcpuExit;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

/**
 * One vCPU's thread: run, handle the exit, run again, until the machine ends. The exit path allocates
 * nothing: the exit is a view of {@code kvm_run}, the device lookup reads arrays, and only a machine's end
 * builds objects. Pausing waits for a run that ended with {@link VcpuExit.Interrupted}, because KVM completes
 * an MMIO load (writes the register, steps the PC) only when the vCPU enters KVM_RUN again; the pausing
 * thread's kick makes that entry return at once.
 */
final class VcpuRunner implements Runnable {
    private final MachineLoop machine;
    private final Vcpu vcpu;
    private final MmioMap mmio;
    private final UnmappedPolicy unmapped;
    private final PauseGate gate;
    private final int index;
    private volatile Thread self;

    VcpuRunner(MachineLoop machine, Vcpu vcpu, int index, MmioMap mmio, UnmappedPolicy unmapped, PauseGate gate) {
        this.index = index;
        this.machine = machine;
        this.vcpu = vcpu;
        this.mmio = mmio;
        this.unmapped = unmapped;
        this.gate = gate;
    }

    @Override
    public void run() {
        self = Thread.currentThread();
        try (Arena arena = Arena.ofConfined()) {
            ExternalAbort abort = unmapped == UnmappedPolicy.EXTERNAL_ABORT ? new ExternalAbort(arena) : null;
            boolean settled = true;
            while (!machine.ended()) {
                if (settled && gate.mustPark(index)) {
                    gate.park(index);
                    continue;
                }
                VcpuExit exit = vcpu.run();
                // a debug exit has nothing KVM must complete on the next entry, so the vCPU may park right after it
                settled = exit instanceof VcpuExit.Interrupted || exit instanceof VcpuExit.Debug;
                handle(exit, abort);
            }
        } catch (RuntimeException | Error e) {
            machine.endWith(new RunEnd.KvmFailed(vcpu.id(), pc(), e));
        } finally {
            gate.finished();
        }
    }

    /**
     * Gets this vCPU out of KVM_RUN soon (see {@link Vcpu#kick()}). Its own thread needs no kick: it looks
     * at the end and pause flags before it enters KVM_RUN again. A kick after this thread has left is
     * harmless: {@link Vcpu#kick()} signals only a thread inside {@code run()}, otherwise it sets
     * {@code immediate_exit}, which at most makes a later run return at once.
     */
    void kick() {
        if (Thread.currentThread() == self) return;
        try {
            vcpu.kick();
        } catch (ClosedHandleException e) {
            // closed under the running machine: its close already kicked the runner out, and no run enters again
        }
    }

    private void handle(VcpuExit exit, ExternalAbort abort) {
        switch (exit) {
            case VcpuExit.Mmio m -> mmio(m, abort);
            case VcpuExit.SystemEvent e -> power(PowerEvent.of(e));
            case VcpuExit.Interrupted _ -> { /* a kick: the loop looks at the end and pause flags */ }
            case VcpuExit.FailEntry f -> machine.endWith(new RunEnd.EntryFailed(vcpu.id(), pc(), f.hardwareEntryFailureReason(), f.cpu()));
            case VcpuExit.InternalError e -> machine.endWith(new RunEnd.InternalError(vcpu.id(), pc(), e.suberror(), data(e)));
            case VcpuExit.ArmNisv n -> machine.endWith(new RunEnd.UndecodedMmio(vcpu.id(), pc(), n.faultIpa(), n.esrIss()));
            case VcpuExit.Debug d when machine.debugHook() != null -> {
                if (machine.debugHook().debugExit(vcpu, d)) gate.request();
            }
            case VcpuExit.Io _, VcpuExit.Hlt _, VcpuExit.Shutdown _, VcpuExit.Debug _, VcpuExit.Other _ ->
                    machine.endWith(new RunEnd.UnexpectedExit(vcpu.id(), pc(), exit.toString()));
        }
    }

    private void mmio(VcpuExit.Mmio m, ExternalAbort abort) {
        long address = m.address();
        int size = m.length();
        boolean write = m.isWrite();
        MmioMap.Region device = mmio.find(address, size);
        if (device != null) {
            try {
                if (write) device.handler().write(address - device.base(), size, m.data());
                else m.setData(device.handler().read(address - device.base(), size));
            } catch (RuntimeException e) {
                machine.endWith(new RunEnd.DeviceFailed(vcpu.id(), pc(), device.name(), address, size, write, e));
            }
            return;
        }
        switch (unmapped) {
            case STOP -> machine.endWith(new RunEnd.UnmappedAccess(vcpu.id(), pc(), address, size, write, write ? m.data() : 0));
            case EXTERNAL_ABORT -> abort.inject(vcpu);
            case READ_ZERO_WRITE_IGNORE -> {
                if (!write) m.setData(0);
            }
        }
    }

    private void power(PowerEvent event) {
        switch (event) {
            case PowerEvent.PowerOff _, PowerEvent.Reboot _, PowerEvent.Crash _ -> machine.endWith(new RunEnd.Power(vcpu.id(), event));
            case PowerEvent.Other _ -> { /* WAKEUP/SUSPEND (only when the VMM enabled them): not the machine's end */ }
        }
    }

    private static List<Long> data(VcpuExit.InternalError e) {
        List<Long> data = new ArrayList<>();
        for (int i = 0; i < e.ndata(); i++) data.add(e.data(i));
        return data;
    }

    /** The PC now; after an MMIO exit the load/store's own, since KVM steps past it only in the next KVM_RUN. */
    private long pc() {
        try {
            return vcpu.getOneReg(CoreRegister.PC.id());
        } catch (RuntimeException e) {
            return RunEnd.UNKNOWN_PC;
        }
    }
}
