package dev.kvm4j.arm.state;

import dev.kvm4j.arm.gic.GicVersion;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static dev.kvm4j.arm.gic.GicAbi.*;
import static org.junit.jupiter.api.Assertions.*;

/** The byte form of the saved states: round trips, and every kind of damage ends in a one-line refusal. */
class StateCodecTest {
    private static GicState sample() {
        List<GicAttribute> a = new ArrayList<>();
        a.add(new GicAttribute(KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 0x8, 4, 0x0300043bL));
        a.add(new GicAttribute(KVM_DEV_ARM_VGIC_GRP_REDIST_REGS, 1L << 32 | 0x10100, 4, 0xffff_ffffL));
        a.add(new GicAttribute(KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO, 32, 4, 0x20));
        a.add(new GicAttribute(KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS, 1L << 32 | 0xc664, 8, 0x8000_0000_0000_04ffL));
        return new GicState(GicVersion.V3, 96, List.of(0, 1), a);
    }

    @Test
    void gicStateRoundTrips() throws Exception {
        GicState s = sample();
        assertEquals(s, StateCodec.decodeGic(StateCodec.encode(s)));
        GicState v2 = new GicState(GicVersion.V2, 64, List.of(0), List.of(new GicAttribute(KVM_DEV_ARM_VGIC_GRP_CPU_REGS, 4, 4, 0x1e)));
        assertEquals(v2, StateCodec.decodeGic(StateCodec.encode(v2)));
    }

    @Test
    void vcpuStateRoundTrips() throws Exception {
        for (VcpuExtraState s : List.of(new VcpuExtraState(MpState.STOPPED, VcpuEvents.NONE),
                new VcpuExtraState(MpState.RUNNABLE, new VcpuEvents(true, true, false, 0x00_0000_0123_4567L)),
                new VcpuExtraState(MpState.SUSPENDED, new VcpuEvents(false, false, true, -1)))) {
            assertEquals(s, StateCodec.decodeVcpu(StateCodec.encode(s)));
        }
    }

    @Test
    void everyTruncationIsRefusedWithTheOffset() {
        byte[] gic = StateCodec.encode(sample());
        for (int len = 0; len < gic.length; len++) {
            byte[] cut = Arrays.copyOf(gic, len);
            StateFormatException e = assertThrows(StateFormatException.class, () -> StateCodec.decodeGic(cut), "length " + len);
            assertTrue(e.getMessage().startsWith("vGIC state at byte "), e.getMessage());
        }
        byte[] vcpu = StateCodec.encode(new VcpuExtraState(MpState.STOPPED, VcpuEvents.NONE));
        for (int len = 0; len < vcpu.length; len++) {
            byte[] cut = Arrays.copyOf(vcpu, len);
            assertThrows(StateFormatException.class, () -> StateCodec.decodeVcpu(cut), "length " + len);
        }
    }

    @Test
    void hugeCountsAreRefusedBeforeAnyAllocation() {
        byte[] gic = StateCodec.encode(sample());
        // The attribute count sits after tag, format, version, nrIrqs and the two cpu ids.
        int countAt = 4 + 2 + 1 + 4 + 4 + 2 * 4;
        for (int count : new int[] {-1, Integer.MAX_VALUE, 1 << 20, 5}) {
            byte[] b = gic.clone();
            ByteBuffer.wrap(b).putInt(countAt, count);
            StateFormatException e = assertThrows(StateFormatException.class, () -> StateCodec.decodeGic(b));
            assertTrue(e.getMessage().contains("attribute count"), e.getMessage());
        }
        byte[] b = gic.clone();
        ByteBuffer.wrap(b).putInt(4 + 2 + 1 + 4, 0x7fff_ffff);
        assertTrue(assertThrows(StateFormatException.class, () -> StateCodec.decodeGic(b)).getMessage().contains("vCPU count"));
    }

    @Test
    void corruptFieldsAreNamed() {
        byte[] gic = StateCodec.encode(sample());
        assertMessage(gic, 0, (byte) 'X', "tag");
        assertMessage(gic, 5, (byte) 9, "format version 9");
        assertMessage(gic, 6, (byte) 4, "GIC version");
        assertMessage(gic, 10, (byte) 65, "nrIrqs");
        int firstAttribute = 4 + 2 + 1 + 4 + 4 + 2 * 4 + 4;
        assertMessage(gic, firstAttribute, (byte) 0, "group 0");
        assertMessage(gic, firstAttribute + 9, (byte) 5, "5 bytes");
        byte[] longer = Arrays.copyOf(gic, gic.length + 1);
        assertTrue(assertThrows(StateFormatException.class, () -> StateCodec.decodeGic(longer)).getMessage().contains("1 bytes follow"));

        byte[] vcpu = StateCodec.encode(new VcpuExtraState(MpState.STOPPED, VcpuEvents.NONE));
        byte[] badMp = vcpu.clone();
        badMp[9] = 3; // HALTED: an x86 state
        assertTrue(assertThrows(StateFormatException.class, () -> StateCodec.decodeVcpu(badMp)).getMessage().contains("mp_state 3"));
        byte[] badFlags = vcpu.clone();
        badFlags[10] = (byte) 0x80;
        assertTrue(assertThrows(StateFormatException.class, () -> StateCodec.decodeVcpu(badFlags)).getMessage().contains("unknown bits"));
    }

    /** Random damage: every outcome is a decoded value or a StateFormatException, nothing else. */
    @Test
    void randomByteFlipsNeverEscapeAsAnotherException() {
        byte[] gic = StateCodec.encode(sample());
        Random random = new Random(11);
        int refused = 0;
        for (int i = 0; i < 5000; i++) {
            byte[] b = gic.clone();
            for (int k = 0; k <= random.nextInt(3); k++) b[random.nextInt(b.length)] ^= (byte) (1 + random.nextInt(255));
            try {
                StateCodec.decodeGic(b);
            } catch (StateFormatException expected) {
                refused++;
            }
        }
        assertTrue(refused > 0, "some flips hit checked fields");
    }

    private static void assertMessage(byte[] original, int at, byte value, String expected) {
        byte[] b = original.clone();
        b[at] = value;
        StateFormatException e = assertThrows(StateFormatException.class, () -> StateCodec.decodeGic(b));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
