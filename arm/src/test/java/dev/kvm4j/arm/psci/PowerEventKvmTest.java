package dev.kvm4j.arm.psci;

import dev.kvm4j.arm.abi.ArmAbi;
import dev.kvm4j.kvm.GuestMemory;
import dev.kvm4j.kvm.Kvm;
import dev.kvm4j.kvm.Vcpu;
import dev.kvm4j.kvm.VcpuExit;
import dev.kvm4j.kvm.Vm;
import dev.kvm4j.kvm.testing.Arm64TestGuest;
import dev.kvm4j.kvm.testing.RealKvm;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** A guest's PSCI power calls, made with HVC to KVM's in-kernel PSCI, arrive as the right {@link PowerEvent}. */
@RealKvm(arch = "aarch64")
class PowerEventKvmTest {
    private static final long RAM_BASE = 0x4000_0000L;
    /** {@code hvc #0; b .} with the function id in x0 and its arguments in x1, x2. */
    private static final int[] HVC = {0xd4000002, 0x14000000};

    /** Runs HVC with {@code x0..x2} on a vCPU that has PSCI 0.2+ (the feature SYSTEM_OFF/RESET need). */
    private static PowerEvent call(long x0, long x1, long x2, boolean needsPsci11) {
        try (Kvm kvm = Kvm.open(); GuestMemory ram = GuestMemory.allocate(RAM_BASE, 0x1000); Vm vm = kvm.createVm();
             Vcpu vcpu = vm.createVcpu(0)) {
            vm.addMemory(0, ram);
            initWithPsci02(vm, vcpu);
            if (needsPsci11) {
                int version = (int) vcpu.getOneReg(ArmAbi.KVM_REG_ARM_PSCI_VERSION);
                assumeTrue(version >= 0x10001, "KVM offers PSCI " + Psci.versionString(version) + "; SYSTEM_RESET2 needs 1.1");
            }
            ram.writeInts(RAM_BASE, HVC);
            vcpu.setOneReg(Arm64TestGuest.PC, RAM_BASE);
            vcpu.setOneReg(Arm64TestGuest.x(0), x0);
            vcpu.setOneReg(Arm64TestGuest.x(1), x1);
            vcpu.setOneReg(Arm64TestGuest.x(2), x2);
            VcpuExit exit = vcpu.run();
            return PowerEvent.of(assertInstanceOf(VcpuExit.SystemEvent.class, exit, () -> "expected a system event, got " + exit));
        }
    }

    private static void initWithPsci02(Vm vm, Vcpu vcpu) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment init = a.allocate(ArmAbi.STRUCT_KVM_VCPU_INIT);
            vm.ioctl("KVM_ARM_PREFERRED_TARGET", ArmAbi.KVM_ARM_PREFERRED_TARGET, init);
            // features[0] follows the target word; the preferred-target answer leaves it zero.
            init.set(ValueLayout.JAVA_INT, 4, 1 << ArmAbi.KVM_ARM_VCPU_PSCI_0_2);
            vcpu.ioctl("KVM_ARM_VCPU_INIT", ArmAbi.KVM_ARM_VCPU_INIT, init);
        }
    }

    @Test
    void systemOffIsPowerOff() {
        assertEquals(new PowerEvent.PowerOff(), call(Integer.toUnsignedLong(Psci.PSCI_0_2_FN_SYSTEM_OFF), 0, 0, false));
    }

    @Test
    void systemResetIsAPlainReboot() {
        assertEquals(new PowerEvent.Reboot(false), call(Integer.toUnsignedLong(Psci.PSCI_0_2_FN_SYSTEM_RESET), 0, 0, false));
    }

    @Test
    void systemReset2IsARebootMarkedReset2() {
        // reset_type 0 = SYSTEM_WARM_RESET, cookie 0.
        assertEquals(new PowerEvent.Reboot(true), call(Integer.toUnsignedLong(Psci.PSCI_1_1_FN64_SYSTEM_RESET2), 0, 0, true));
    }
}
