package dev.kvm4j.vmm.machine;

import dev.kvm4j.arm.psci.PowerEvent;
import dev.kvm4j.arm.regs.CoreRegister;
import dev.kvm4j.kvm.Vcpu;
import dev.kvm4j.kvm.VcpuExit;
import dev.kvm4j.vmm.BootTimeline;
import dev.kvm4j.vmm.device.MmioBus;

/**
 * One vCPU's thread: run, dispatch the exit, run again, until the machine stops. Power events and
 * errors end the whole machine; a kick ({@link Vcpu#kick()}) makes the loop look at the stop flag.
 */
final class VcpuLoop implements Runnable {
    private final Vcpu vcpu;
    private final MmioBus bus;
    private final Stop stop;
    private final BootTimeline timeline;

    VcpuLoop(Vcpu vcpu, MmioBus bus, Stop stop, BootTimeline timeline) {
        this.vcpu = vcpu;
        this.bus = bus;
        this.stop = stop;
        this.timeline = timeline;
    }

    @Override
    public void run() {
        if (vcpu.id() == 0) timeline.mark(BootTimeline.FIRST_INSTRUCTION);
        try {
            while (!stop.requested()) step(vcpu.run());
        } catch (UnmappedAccess e) {
            stop.request(1, e.getMessage() + " at guest PC " + pc() + ": the guest touched an address the machine "
                    + "does not have (a kernel built for another board, or a wrong device tree?)");
        } catch (RuntimeException e) {
            stop.request(1, "vCPU " + vcpu.id() + " failed at guest PC " + pc() + ": " + e.getMessage());
        }
    }

    private void step(VcpuExit exit) {
        switch (exit) {
            case VcpuExit.Mmio m -> {
                if (m.isWrite()) bus.write(m.address(), m.length(), m.data());
                else m.setData(bus.read(m.address(), m.length()));
            }
            case VcpuExit.SystemEvent e -> power(PowerEvent.of(e));
            case VcpuExit.Interrupted i -> { /* kicked: the loop condition decides */ }
            case VcpuExit.FailEntry f -> fail("KVM could not enter the guest: " + f);
            case VcpuExit.InternalError i -> fail("KVM internal error: " + i);
            case VcpuExit.ArmNisv n -> fail(n + ": the guest accessed MMIO with an instruction KVM cannot decode "
                    + "(load/store pair or writeback on a device address)");
            case VcpuExit.Io io -> fail("unexpected port I/O exit on ARM: " + io);
            case VcpuExit.Hlt h -> fail("unexpected HLT exit on ARM");
            case VcpuExit.Shutdown s -> fail("unexpected SHUTDOWN exit on ARM");
            case VcpuExit.Debug d -> fail("unexpected debug exit (no debugger attached)");
            case VcpuExit.Other o -> fail("unexpected " + o);
        }
    }

    private void power(PowerEvent event) {
        switch (event) {
            case PowerEvent.PowerOff off -> stop.request(0, "the guest powered off");
            case PowerEvent.Reboot r -> stop.request(0, "the guest asked for a reset; kvm4j stops the machine instead of rebooting it");
            case PowerEvent.Crash c -> stop.request(1, "the guest reported a crash");
            case PowerEvent.Other o -> { /* wake-up / suspend: nothing to do, keep running */ }
        }
    }

    private void fail(String message) {
        stop.request(1, "vCPU " + vcpu.id() + " at guest PC " + pc() + ": " + message);
    }

    private String pc() {
        try {
            return String.format("0x%x", vcpu.getOneReg(CoreRegister.PC.id()));
        } catch (RuntimeException e) {
            return "(unreadable)";
        }
    }
}
