package dev.kvm4j.kvm;

import dev.kvm4j.kvm.testing.Posix;
import dev.kvm4j.kvm.testing.RealKvm;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Guest RAM and fds live as long as the kernel needs them, whatever order the user closes things in: a
 * memory slot never points at unmapped RAM, and a VM's fd stays while its vCPUs and devices do.
 */
@RealKvm
class LifetimeKvmTest {
    private static final long RAM = 0x10_0000, SIZE = 0x10_0000;

    @Test
    void ramClosedFirstStaysMappedUntilTheVmAndItsVcpusAreAllClosed() {
        try (Kvm kvm = Kvm.open()) {
            Vm vm = kvm.createVm();
            GuestMemory ram = GuestMemory.allocate(RAM, SIZE);
            vm.addMemory(0, ram);
            Vcpu vcpu = vm.createVcpu(0);
            ram.close(); // the order KvmRunner's try-with-resources used: RAM, then VM, then vCPUs
            assertThrows(ClosedHandleException.class, () -> ram.readLong(RAM), "the user's access ends at close()");
            assertTrue(ram.isMapped(), "slot 0 still points at the RAM");
            vm.close();
            assertTrue(ram.isMapped(), "the vCPU keeps the kernel's VM, and so its slots, alive");
            vcpu.close();
            assertFalse(ram.isMapped(), "gone with the last fd of the VM");
        }
    }

    @Test
    void removingTheSlotLetsTheMemoryGo() {
        try (Kvm kvm = Kvm.open(); Vm vm = kvm.createVm()) {
            GuestMemory ram = GuestMemory.allocate(RAM, SIZE);
            vm.addMemory(0, ram);
            ram.close();
            assertTrue(ram.isMapped());
            vm.removeMemory(0);
            assertFalse(ram.isMapped());
        }
    }

    @Test
    void aSlotReplacedByAnotherMemoryLetsTheFirstGo() {
        try (Kvm kvm = Kvm.open(); Vm vm = kvm.createVm();
             GuestMemory second = GuestMemory.allocate(RAM, SIZE)) {
            GuestMemory first = GuestMemory.allocate(RAM, SIZE);
            vm.addMemory(0, first);
            first.close();
            vm.removeMemory(0);
            vm.addMemory(0, second);
            assertFalse(first.isMapped());
            assertTrue(second.isMapped());
        }
    }

    @Test
    void closedMemoryCannotBeAddedAndAFailedAddKeepsNoReference() {
        try (Kvm kvm = Kvm.open(); Vm vm = kvm.createVm()) {
            GuestMemory closed = GuestMemory.allocate(RAM, SIZE);
            closed.close();
            var e = assertThrows(ClosedHandleException.class, () -> vm.addMemory(0, closed));
            assertTrue(e.getMessage().contains("guest memory at 0x100000"), e.getMessage());
            GuestMemory a = GuestMemory.allocate(RAM, SIZE);
            GuestMemory overlapping = GuestMemory.allocate(RAM, SIZE);
            vm.addMemory(0, a);
            assertThrows(KvmException.AlreadyExists.class, () -> vm.addMemory(1, overlapping));
            overlapping.close();
            assertFalse(overlapping.isMapped(), "the failed slot holds no reference");
            a.close();
        }
    }

    @Test
    void aVmClosedBeforeItsVcpuKeepsItsFdUntilTheVcpuCloses() {
        try (Kvm kvm = Kvm.open()) {
            Set<Integer> before = Posix.openFds();
            Vm vm = kvm.createVm();
            Vcpu vcpu = vm.createVcpu(0);
            vm.close();
            assertThrows(ClosedHandleException.class, () -> vm.createVcpu(1));
            assertEquals(before.size() + 2, Posix.openFds().size(), "VM and vCPU fds");
            vcpu.close();
            assertEquals(before, Posix.openFds());
        }
    }
}
