package dev.kvm4j.arm.run;

import dev.kvm4j.arm.abi.ArmAbi;
import dev.kvm4j.arm.psci.PowerEvent;
import dev.kvm4j.arm.psci.Psci;
import dev.kvm4j.kvm.testing.RealKvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static dev.kvm4j.arm.run.RunGuest.*;
import static org.junit.jupiter.api.Assertions.*;

/** A guest's PSCI calls (HVC to KVM's in-kernel PSCI) seen by the run loop: power events end the machine, CPU_ON starts a vCPU. */
@RealKvm(arch = "aarch64")
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class PsciPowerKvmTest {
    /** x0 = PSCI function id. */
    private static final int[] HVC = {
            0xd4000002, // hvc #0
            0x14000000, // b   .
    };

    /** MPIDR_EL1 affinity fields Aff3..Aff0, the part PSCI's target_cpu carries. */
    private static final long MPIDR_HWID_BITMASK = 0xff_00ff_ffffL;
    private static final long MPIDR_EL1 = ArmAbi.sysreg(3, 0, 0, 0, 5);

    private static final long SECONDARY_ENTRY = CODE + 0x100;
    private static final long CONTEXT = 0x1234_5678_9abc_def0L;

    /**
     * vCPU 0: x0..x3 = CPU_ON's function id, target MPIDR, entry, context; x5 = {@link RunGuest#OUTPUT}.
     * It records CPU_ON's result and a marker, waits until vCPU 1 has written its context, then powers off.
     */
    private static final int[] PRIMARY = {
            0xd4000002, //     hvc  #0                 (CPU_ON)
            0xf90000a0, //     str  x0, [x5]           result, 0 = PSCI_RET_SUCCESS
            0xd28c01a6, //     movz x6, #0x600d
            0xf90004a6, //     str  x6, [x5, #8]       vCPU 0's own RAM write
            0xf94008a7, // 1:  ldr  x7, [x5, #16]      vCPU 1's context, once it has run
            0xb4ffffe7, //     cbz  x7, 1b
            0xd2800100, //     movz x0, #0x8
            0xf2b08000, //     movk x0, #0x8400, lsl #16   (SYSTEM_OFF)
            0xd4000002, //     hvc  #0
            0x14000000, //     b    .
    };

    /** vCPU 1 at {@link #SECONDARY_ENTRY}, x0 = the context CPU_ON passed; its other registers are reset. */
    private static final int[] SECONDARY = {
            0x1000f801, //     adr  x1, OUTPUT         (entry + 0x1f00)
            0xd53800a2, //     mrs  x2, mpidr_el1
            0xf9000c22, //     str  x2, [x1, #24]
            0xf9000820, //     str  x0, [x1, #16]      last: vCPU 0 waits for it
            0x14000000, //     b    .
    };

    @Test
    void systemOffEndsTheMachineWithPowerOff() throws Exception {
        try (RunGuest g = RunGuest.create(1)) {
            g.load(CODE, HVC).x(0, SYSTEM_OFF);
            RunEnd end = g.run(UnmappedPolicy.STOP);
            assertEquals(new RunEnd.Power(0, new PowerEvent.PowerOff()), end);
        }
    }

    @Test
    void systemResetEndsTheMachineWithAReboot() throws Exception {
        try (RunGuest g = RunGuest.create(1)) {
            g.load(CODE, HVC).x(0, Integer.toUnsignedLong(Psci.PSCI_0_2_FN_SYSTEM_RESET));
            RunEnd end = g.run(UnmappedPolicy.STOP);
            assertEquals(new RunEnd.Power(0, new PowerEvent.Reboot(false)), end);
        }
    }

    @Test
    void vcpu0StartsVcpu1WithCpuOnBothWriteRamThenVcpu0PowersOff() throws Exception {
        try (RunGuest g = RunGuest.create(2)) {
            long mpidr1 = g.vcpus.get(1).getOneReg(MPIDR_EL1);
            g.load(CODE, PRIMARY).load(SECONDARY_ENTRY, SECONDARY)
                    .x(0, Integer.toUnsignedLong(Psci.PSCI_0_2_FN64_CPU_ON)).x(1, mpidr1 & MPIDR_HWID_BITMASK)
                    .x(2, SECONDARY_ENTRY).x(3, CONTEXT).x(5, OUTPUT);

            RunEnd end = g.run(UnmappedPolicy.STOP);

            assertEquals(new RunEnd.Power(0, new PowerEvent.PowerOff()), end);
            assertEquals(1, mpidr1 & 0xff, "KVM gives vCPU 1 affinity 0.0.0.1");
            assertEquals(Psci.PSCI_RET_SUCCESS, g.ram.readLong(OUTPUT), "CPU_ON's result");
            assertEquals(0x600dL, g.ram.readLong(OUTPUT + 8), "vCPU 0's write");
            assertEquals(CONTEXT, g.ram.readLong(OUTPUT + 16), "vCPU 1's write of the context CPU_ON handed it");
            assertEquals(mpidr1, g.ram.readLong(OUTPUT + 24), "vCPU 1 read its own MPIDR_EL1");
        }
    }
}
