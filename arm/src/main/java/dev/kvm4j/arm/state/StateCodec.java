package dev.kvm4j.arm.state;

import dev.kvm4j.arm.gic.GicVersion;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static dev.kvm4j.arm.gic.GicAbi.*;

/**
 * The byte form of {@link GicState} and {@link VcpuExtraState}, for a snapshot file to embed: a 4-byte tag,
 * a format version, then big-endian fields with every list length-prefixed. Reading checks each length
 * before using it and each value against what the kernel can hold; any problem is a
 * {@link StateFormatException} naming the field and byte offset.
 * <pre>
 * GicState:       "KGIC" u16 format | u8 GIC version (2, 3) | u32 nrIrqs | u32 n, n × u32 cpu id
 *                 | u32 m, m × (u8 group, u64 attr, u8 size, size-byte value)
 * VcpuExtraState: "KVCX" u16 format | u32 mp_state | u8 flags (1 serror_pending, 2 serror_has_esr,
 *                 4 ext_dabt_pending) | u64 serror_esr
 * </pre>
 */
public final class StateCodec {
    private StateCodec() {}

    static final int GIC_TAG = 0x4b474943;   // "KGIC"
    static final int VCPU_TAG = 0x4b564358;  // "KVCX"
    static final int FORMAT = 1;
    private static final Set<Integer> GROUPS = Set.of(KVM_DEV_ARM_VGIC_GRP_DIST_REGS, KVM_DEV_ARM_VGIC_GRP_CPU_REGS,
            KVM_DEV_ARM_VGIC_GRP_REDIST_REGS, KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS, KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO);
    /** Far above the ~1,900 attributes of a 512-vCPU, 992-INTID vGICv3, far below anything that hurts. */
    private static final int MAX_ATTRIBUTES = 1 << 20;
    /** Bytes of the smallest attribute record: group, attr, size, a 4-byte value. */
    private static final int MIN_ATTRIBUTE_BYTES = 1 + 8 + 1 + 4;

    /**
     * The byte form of a vGIC state.
     *
     * @param s the state
     * @return its bytes, tagged "KGIC"
     */
    public static byte[] encode(GicState s) {
        return StateWriter.write(out -> {
            out.writeInt(GIC_TAG);
            out.writeShort(FORMAT);
            out.writeByte(s.version() == GicVersion.V3 ? 3 : 2);
            out.writeInt(s.nrIrqs());
            out.writeInt(s.cpuIds().size());
            for (int id : s.cpuIds()) out.writeInt(id);
            out.writeInt(s.attributes().size());
            for (GicAttribute a : s.attributes()) {
                out.writeByte(a.group());
                out.writeLong(a.attr());
                out.writeByte(a.size());
                if (a.size() == 8) out.writeLong(a.value()); else out.writeInt((int) a.value());
            }
        });
    }

    /**
     * A vGIC state read back from its byte form, every length and value checked.
     *
     * @param bytes what {@link #encode(GicState)} wrote, or anything claiming to be
     * @return the state
     * @throws StateFormatException naming the field and byte offset of the first problem
     */
    public static GicState decodeGic(byte[] bytes) throws StateFormatException {
        StateReader in = new StateReader(bytes, "vGIC state");
        in.expectTag(GIC_TAG, "vGIC state");
        format(in);
        int at = in.position();
        GicVersion version = switch (in.u8("GIC version")) {
            case 2 -> GicVersion.V2;
            case 3 -> GicVersion.V3;
            default -> throw in.corrupt(at, "GIC version is neither 2 nor 3");
        };
        at = in.position();
        long nrIrqs = in.u32("nrIrqs");
        if (nrIrqs < 64 || nrIrqs > 1024 || nrIrqs % 32 != 0) {
            throw in.corrupt(at, "nrIrqs " + nrIrqs + " is not a multiple of 32 in [64, 1024]");
        }
        int n = in.count("vCPU count", version.maxVcpus(), 4);
        if (n == 0) throw in.corrupt(at, "no vCPUs");
        List<Integer> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) ids.add((int) in.u32("cpu id"));
        int m = in.count("attribute count", MAX_ATTRIBUTES, MIN_ATTRIBUTE_BYTES);
        List<GicAttribute> attributes = new ArrayList<>(m);
        for (int i = 0; i < m; i++) {
            at = in.position();
            int group = in.u8("attribute group");
            if (!GROUPS.contains(group)) throw in.corrupt(at, "attribute " + i + " has group " + group + ", not a vGIC register group");
            long attr = in.u64("attribute id");
            at = in.position();
            int size = in.u8("attribute size");
            if (size != 4 && size != 8) throw in.corrupt(at, "attribute " + i + " is " + size + " bytes, not 4 or 8");
            attributes.add(new GicAttribute(group, attr, size, in.value(size, "attribute value")));
        }
        in.expectEnd();
        return new GicState(version, (int) nrIrqs, ids, attributes);
    }

    /**
     * The byte form of a vCPU's extra state.
     *
     * @param s the state
     * @return its bytes, tagged "KVCX"
     */
    public static byte[] encode(VcpuExtraState s) {
        return StateWriter.write(out -> {
            out.writeInt(VCPU_TAG);
            out.writeShort(FORMAT);
            out.writeInt(s.mpState().code());
            VcpuEvents e = s.events();
            out.writeByte((e.serrorPending() ? 1 : 0) | (e.serrorHasEsr() ? 2 : 0) | (e.extDabtPending() ? 4 : 0));
            out.writeLong(e.serrorEsr());
        });
    }

    /**
     * A vCPU's extra state read back from its byte form, checked.
     *
     * @param bytes what {@link #encode(VcpuExtraState)} wrote, or anything claiming to be
     * @return the state
     * @throws StateFormatException naming the field and byte offset of the first problem
     */
    public static VcpuExtraState decodeVcpu(byte[] bytes) throws StateFormatException {
        StateReader in = new StateReader(bytes, "vCPU state");
        in.expectTag(VCPU_TAG, "vCPU state");
        format(in);
        int at = in.position();
        long code = in.u32("mp_state");
        MpState mp = null;
        for (MpState s : MpState.values()) if (s.code() == code) mp = s;
        if (mp == null) throw in.corrupt(at, "mp_state " + code + " is not one arm64 KVM uses");
        at = in.position();
        int flags = in.u8("event flags");
        if ((flags & ~7) != 0) throw in.corrupt(at, String.format("event flags 0x%x have unknown bits", flags));
        long esr = in.u64("serror_esr");
        in.expectEnd();
        return new VcpuExtraState(mp, new VcpuEvents((flags & 1) != 0, (flags & 2) != 0, (flags & 4) != 0, esr));
    }

    private static void format(StateReader in) throws StateFormatException {
        int at = in.position();
        int f = in.u16("format version");
        if (f != FORMAT) throw in.corrupt(at, "format version " + f + "; this kvm4j reads version " + FORMAT);
    }
}
