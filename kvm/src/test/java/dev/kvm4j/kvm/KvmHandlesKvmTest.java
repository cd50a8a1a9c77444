package dev.kvm4j.kvm;

import dev.kvm4j.kvm.abi.Capability;
import dev.kvm4j.kvm.testing.RealKvm;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The handles and their errors on the host's real /dev/kvm; nothing here runs guest code. */
@RealKvm
class KvmHandlesKvmTest {

    @Test
    void opensWithApiVersion12AndAMappableRunArea() {
        try (Kvm kvm = Kvm.open()) {
            assertTrue(kvm.vcpuMmapSize() >= 4096, "kvm_run mmap size " + kvm.vcpuMmapSize());
            assertTrue(kvm.checkExtension(Capability.USER_MEMORY) > 0);
        }
    }

    @Test
    void vmAnswersCapabilitiesOfItsOwn() {
        try (Kvm kvm = Kvm.open(); Vm vm = kvm.createVm()) {
            assertTrue(vm.checkExtension(Capability.NR_MEMSLOTS) > 0);
            assertTrue(vm.checkExtension(Capability.MAX_VCPUS) >= 1);
        }
    }

    @Test
    void secondVcpuWithTheSameIdIsAlreadyExists() {
        try (Kvm kvm = Kvm.open(); Vm vm = kvm.createVm(); Vcpu first = vm.createVcpu(0)) {
            var e = assertThrows(KvmException.AlreadyExists.class, () -> vm.createVcpu(0));
            assertEquals(Errno.EEXIST, e.errno());
            assertTrue(e.getMessage().contains("KVM_CREATE_VCPU"), e.getMessage());
            assertEquals(0, first.id());
        }
    }

    @Test
    void overlappingMemorySlotsAreAlreadyExists() {
        try (Kvm kvm = Kvm.open(); Vm vm = kvm.createVm();
             GuestMemory a = GuestMemory.allocate(0x4000_0000L, 0x10_0000);
             GuestMemory b = GuestMemory.allocate(0x4008_0000L, 0x10_0000)) {
            vm.addMemory(0, a);
            var e = assertThrows(KvmException.AlreadyExists.class, () -> vm.addMemory(1, b));
            assertTrue(e.getMessage().contains("KVM_SET_USER_MEMORY_REGION"), e.getMessage());
            vm.removeMemory(0);
            vm.addMemory(1, b); // fine once the first slot is gone
        }
    }

    @Test
    void unknownDeviceTypeIsRefusedWithATypedError() {
        try (Kvm kvm = Kvm.open(); Vm vm = kvm.createVm()) {
            assertFalse(vm.supportsDevice(0x7777));
            KvmException e = assertThrows(KvmException.class, () -> vm.createDevice(0x7777));
            assertTrue(e.errno() == Errno.ENODEV || e.errno() == Errno.EINVAL, e.getMessage());
        }
    }

    @Test
    void runAfterCloseIsAClosedHandleErrorAndDoubleCloseIsHarmless() {
        try (Kvm kvm = Kvm.open(); Vm vm = kvm.createVm()) {
            Vcpu vcpu = vm.createVcpu(0);
            vcpu.close();
            vcpu.close();
            var e = assertThrows(ClosedHandleException.class, vcpu::run);
            assertTrue(e.getMessage().contains("vCPU 0"), e.getMessage());
        }
    }

    @Test
    void closedVmRefusesNewVcpus() {
        try (Kvm kvm = Kvm.open()) {
            Vm vm = kvm.createVm();
            vm.close();
            assertThrows(ClosedHandleException.class, () -> vm.createVcpu(0));
        }
    }
}
