package dev.kvm4j.kvm;

import dev.kvm4j.kvm.testing.Allocations;
import dev.kvm4j.kvm.testing.HostGuest;
import dev.kvm4j.kvm.testing.RealKvm;
import org.junit.jupiter.api.Test;


import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Raising and lowering a line allocates nothing: a device model does it on every level change. x86 only here
 * (KVM_IRQ_LINE needs its in-kernel irqchip; on arm64 the vGIC, whose test is in the arm module).
 */
@RealKvm(arch = "amd64")
class IrqLineAllocationKvmTest {

    @Test
    void irqLineAllocatesNothingPerCall() {
        try (HostGuest g = HostGuest.create(HostGuest.Kind.WAIT)) { // the x86 WAIT guest has the in-kernel irqchip
            int calls = 50_000;
            for (int i = 0; i < calls; i++) g.vm.irqLine(4, (i & 1) == 0); // warm-up: JIT
            long before = Allocations.currentThread();
            for (int i = 0; i < calls; i++) g.vm.irqLine(4, (i & 1) == 0);
            long bytes = Allocations.currentThread() - before;
            assertTrue(bytes < calls, bytes + " bytes allocated by " + calls + " KVM_IRQ_LINE calls");
        }
    }
}
