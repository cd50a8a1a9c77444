package dev.kvm4j.arm.run;

import dev.kvm4j.kvm.abi.Capability;
import dev.kvm4j.kvm.abi.IoctlNumber;
import dev.kvm4j.kvm.abi.KvmIoctls;
import dev.kvm4j.kvm.testing.RealKvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;

import static dev.kvm4j.arm.run.RunGuest.*;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * An access KVM cannot emulate ends the machine with a typed error carrying the exit data and the PC. A
 * load pair on MMIO is the one such access a guest can make at will: the CPU gives no syndrome for it.
 */
@RealKvm(arch = "aarch64")
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class VcpuErrorKvmTest {
    /** x0 = device address. */
    private static final int[] LOAD_PAIR = {
            0xa9400801, // ldp x1, x2, [x0]
            0x14000000, // b   .
    };

    /** {@code struct kvm_enable_cap} is 104 bytes: cap, flags, args[4], pad[64]; KVM_ENABLE_CAP = 0x4068aea3 (6.1 headers). */
    private static final long KVM_ENABLE_CAP = IoctlNumber.iow(KvmIoctls.KVMIO, 0xa3, 104);

    @Test
    void anUndecodableMmioAccessIsAnArmNisvErrorWithTheAddressAndPc() throws Exception {
        try (RunGuest g = RunGuest.create(1)) {
            assumeTrue(g.vm.checkExtension(Capability.ARM_NISV_TO_USER) > 0, "no KVM_CAP_ARM_NISV_TO_USER");
            enable(g, Capability.ARM_NISV_TO_USER);
            g.load(CODE, LOAD_PAIR).device(DEVICE, new RecordingDevice(0)).x(0, DEVICE);

            RunEnd end = g.run(UnmappedPolicy.STOP);

            RunEnd.UndecodedMmio nisv = assertInstanceOf(RunEnd.UndecodedMmio.class, end, end::message);
            assertEquals(0, nisv.vcpu());
            assertEquals(CODE, nisv.pc());
            assertEquals(DEVICE, nisv.faultIpa());
            assertTrue(end.message().contains("at guest PC 0x40000000") && end.message().contains("0x10000000"), end.message());
        }
    }

    @Test
    void withoutNisvExitsKvmRunFailsAndTheLoopSaysSoWithThePc() throws Exception {
        try (RunGuest g = RunGuest.create(1)) {
            g.load(CODE, LOAD_PAIR).device(DEVICE, new RecordingDevice(0)).x(0, DEVICE);

            RunEnd end = g.run(UnmappedPolicy.STOP);

            RunEnd.KvmFailed failed = assertInstanceOf(RunEnd.KvmFailed.class, end, end::message);
            assertEquals(CODE, failed.pc());
            assertTrue(end.message().contains("KVM_RUN"), end.message());
        }
    }

    private static void enable(RunGuest g, Capability cap) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(104, 8);
            s.set(ValueLayout.JAVA_INT, 0, cap.number());
            g.vm.ioctl("KVM_ENABLE_CAP", KVM_ENABLE_CAP, s);
        }
    }
}
