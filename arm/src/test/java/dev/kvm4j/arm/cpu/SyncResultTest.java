package dev.kvm4j.arm.cpu;

import dev.kvm4j.arm.regs.RegisterId;
import dev.kvm4j.arm.regs.RegisterValue;
import dev.kvm4j.kvm.Errno;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SyncResultTest {
    private static final RegisterId MIDR = RegisterId.parse("MIDR_EL1");

    @Test
    void aConstantMismatchNamesTheRegisterAndBothValues() {
        var f = new RegisterFailure.FixedByHost(MIDR, RegisterValue.of(0x410fd070L, 8), RegisterValue.of(0x410fd034L, 8));
        assertEquals("MIDR_EL1 is fixed by the host: kernel has 0x410fd070, snapshot has 0x410fd034", f.message());
    }

    @Test
    void orThrowListsEveryFailureNotJustTheFirst() {
        var a = new RegisterFailure.FixedByHost(MIDR, RegisterValue.of(1, 8), RegisterValue.of(2, 8));
        var b = new RegisterFailure.Refused(RegisterId.parse("SCTLR_EL1"), "KVM_SET_ONE_REG", Errno.EINVAL, 22);
        var r = new SyncResult("put", SyncLevel.FULL, 250, List.of(a, b));
        RegisterSyncException e = assertThrows(RegisterSyncException.class, r::orThrow);
        assertEquals("""
                put at FULL: 250 registers, 2 failed:
                  MIDR_EL1 is fixed by the host: kernel has 0x1, snapshot has 0x2
                  SCTLR_EL1: KVM_SET_ONE_REG failed: EINVAL (invalid argument)""", e.getMessage());
        assertSame(r, e.result());
        assertEquals(a, r.failureOf(MIDR).orElseThrow());
    }

    @Test
    void anUnknownErrnoIsShownByNumber() {
        var f = new RegisterFailure.Refused(MIDR, "KVM_GET_ONE_REG", Errno.UNKNOWN, 200);
        assertEquals("MIDR_EL1: KVM_GET_ONE_REG failed: errno 200", f.message());
    }
}
