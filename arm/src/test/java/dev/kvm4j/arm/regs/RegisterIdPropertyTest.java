package dev.kvm4j.arm.regs;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** decode(encode(x)) == x for every field, and every id's name parses back to the id. */
class RegisterIdPropertyTest {
    @Property
    void sysregFieldsRoundTrip(@ForAll @IntRange(max = 3) int op0, @ForAll @IntRange(max = 7) int op1,
                               @ForAll @IntRange(max = 15) int crn, @ForAll @IntRange(max = 15) int crm,
                               @ForAll @IntRange(max = 7) int op2) {
        RegisterId id = RegisterId.sysreg(op0, op1, crn, crm, op2);
        assertTrue(id.isArm64());
        assertEquals(RegisterGroup.SYSREG, id.group());
        assertEquals(8, id.size());
        assertEquals(op0, id.op0());
        assertEquals(op1, id.op1());
        assertEquals(crn, id.crn());
        assertEquals(crm, id.crm());
        assertEquals(op2, id.op2());
    }

    @Property
    void coreIndexAndSizeRoundTrip(@ForAll @IntRange(max = 0xffff) int word, @ForAll("sizes") int size) {
        RegisterId id = RegisterId.core(word, size);
        assertEquals(RegisterGroup.CORE, id.group());
        assertEquals(word, id.coreWordIndex());
        assertEquals(size, id.size());
        assertEquals(size, dev.kvm4j.kvm.Vcpu.registerSize(id.value()));
    }

    @Property
    void firmwareIndicesRoundTrip(@ForAll @IntRange(max = 0xffff) int index) {
        assertEquals(index, RegisterId.firmware(index).index());
        assertEquals(RegisterGroup.FIRMWARE, RegisterId.firmware(index).group());
        assertEquals(index, RegisterId.firmwareBitmap(index).index());
        assertEquals(RegisterGroup.FIRMWARE_BITMAP, RegisterId.firmwareBitmap(index).group());
    }

    @Property
    void ccsidrSelectorRoundTrips(@ForAll @IntRange(max = 0xff) int csselr) {
        RegisterId id = RegisterId.ccsidr(csselr);
        assertEquals(RegisterGroup.DEMUX, id.group());
        assertEquals(0, id.demuxId());
        assertEquals(csselr, id.demuxValue());
        assertEquals(4, id.size());
    }

    @Property
    void sveRegisterAndSliceRoundTrip(@ForAll @IntRange(max = 31) int n, @ForAll @IntRange(max = 15) int p,
                                      @ForAll @IntRange(max = 31) int slice) {
        RegisterId z = RegisterId.sveZ(n, slice), pr = RegisterId.sveP(p, slice), ffr = RegisterId.sveFfr(slice);
        assertEquals(n, z.sveRegister());
        assertEquals(slice, z.sveSlice());
        assertEquals(256, z.size());
        assertEquals(p, pr.sveRegister());
        assertEquals(slice, pr.sveSlice());
        assertEquals(32, pr.size());
        assertEquals(0, ffr.sveRegister());
        assertEquals(slice, ffr.sveSlice());
        for (RegisterId id : new RegisterId[] {z, pr, ffr}) {
            assertEquals(RegisterGroup.SVE, id.group());
            assertTrue(id.hasArchitecturalName(), id.name());
            assertEquals(id, RegisterId.parse(id.name()));
        }
    }

    /** No id, however malformed, makes name() throw, and every name parses back to exactly its id. */
    @Property(tries = 5000)
    void everyIdNamesAndParsesBack(@ForAll("ids") long value) {
        RegisterId id = RegisterId.of(value);
        String name = id.name();
        assertEquals(id, RegisterId.parse(name), name);
    }

    @Property
    void genericSysregNamesRoundTripThroughIds(@ForAll @IntRange(max = 3) int op0, @ForAll @IntRange(max = 7) int op1,
                                               @ForAll @IntRange(max = 15) int crn, @ForAll @IntRange(max = 15) int crm,
                                               @ForAll @IntRange(max = 7) int op2) {
        String generic = "S%d_%d_C%d_C%d_%d".formatted(op0, op1, crn, crm, op2);
        RegisterId id = RegisterId.parse(generic);
        assertEquals(RegisterId.sysreg(op0, op1, crn, crm, op2), id);
        if (!id.hasArchitecturalName()) assertEquals(generic, id.name());
        else assertFalse(id.name().startsWith("S" + op0 + "_"), id.name());
    }

    @Property
    void genericFirmwareNamesRoundTrip(@ForAll @IntRange(min = 4, max = 0xffff) int index) {
        String fw = "FW[0x%x]".formatted(index), bmap = "FW_BMAP[0x%x]".formatted(index);
        assertEquals(fw, RegisterId.parse(fw).name());
        assertEquals(bmap, RegisterId.parse(bmap).name());
    }

    @Provide
    Arbitrary<Integer> sizes() { return Arbitraries.of(1, 2, 4, 8, 16, 32, 64, 128, 256); }

    /** Mostly arm64-shaped ids (any group, size and index), plus fully random longs. */
    @Provide
    Arbitrary<Long> ids() {
        Arbitrary<Long> shaped = Arbitraries.longs().between(0, 0xf).flatMap(size -> Arbitraries.longs().between(0x10, 0x17)
                .flatMap(group -> Arbitraries.longs().between(0, 0xffff)
                        .map(index -> 0x6000000000000000L | (size << 52) | (group << 16) | index)));
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(8, shaped),
                net.jqwik.api.Tuple.of(2, Arbitraries.longs()));
    }
}
