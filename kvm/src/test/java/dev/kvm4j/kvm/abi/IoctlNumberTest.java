package dev.kvm4j.kvm.abi;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class IoctlNumberTest {

    @Test
    void encodesDirectionSizeTypeAndNumber() {
        assertEquals(0xAE80L, KvmIoctls.KVM_RUN);
        assertEquals(0x4020AE46L, KvmIoctls.KVM_SET_USER_MEMORY_REGION);
        assertEquals(0xC008AEB0L, KvmIoctls.KVM_GET_REG_LIST);
    }

    @Test
    void refusesASizeBeyondFourteenBits() {
        assertThrows(IllegalArgumentException.class, () -> IoctlNumber.iow(0xAE, 1, 1 << 14));
    }
}
