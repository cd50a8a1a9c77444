package dev.kvm4j.arm.state;

import dev.kvm4j.arm.abi.ArmAbi;
import dev.kvm4j.arm.gic.GicVersion;
import dev.kvm4j.arm.gic.Vgic;
import dev.kvm4j.kvm.Device;
import dev.kvm4j.kvm.KvmException;
import dev.kvm4j.kvm.Vcpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntUnaryOperator;

import static dev.kvm4j.arm.gic.GicAbi.*;
import static dev.kvm4j.arm.state.StateAbi.*;

/**
 * Saves a vGIC into a {@link GicState} and restores one, walking the register tables of
 * {@link GicV3Registers} and {@link GicV2Registers}. The same walk serves both directions: a restore
 * rebuilds the walk for the target VM and refuses a state whose attribute list differs from it, so a
 * snapshot restored into a VM with other vCPUs, another INTID count or another GIC version fails before
 * any register is written, naming the difference.
 * <p>Every vCPU must be out of KVM_RUN (KVM answers EBUSY otherwise). Restore order for a whole machine:
 * vCPUs created and initialised, vGIC created and initialised, RAM, vCPU registers, then this.
 */
public final class GicStateEngine {
    private GicStateEngine() {}

    private static final long MPIDR_EL1 = ArmAbi.sysreg(3, 0, 0, 0, 5);

    /** One attribute access of a walk; {@code clearAttr} is -1 when the register has no clear partner. */
    record Access(String name, int group, long attr, int size, long clearAttr) {}

    /**
     * Reads the whole vGIC state of {@code vgic}, whose vCPUs are {@code vcpus} in creation order.
     *
     * @param vgic the initialised vGIC
     * @param vcpus its VM's vCPUs, in creation order, all out of KVM_RUN
     * @return the state
     * @throws GicStateException if the vGIC is not initialised, or a register cannot be read
     */
    public static GicState save(Vgic vgic, List<Vcpu> vcpus) {
        requireReady(vgic, vcpus);
        GicVersion version = vgic.version();
        Device device = vgic.device();
        List<Integer> ids = cpuIds(version, vcpus);
        int nrIrqs = nrIrqs(device);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(8, 8);
            int[] priBits = new int[ids.size()];
            if (version == GicVersion.V3) {
                for (int i = 0; i < ids.size(); i++) {
                    Access ctlr = new Access("ICC_CTLR_EL1 of vCPU " + i, KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS,
                            cpuField(ids.get(i)) | GicV3Registers.ICC_CTLR_EL1, 8, -1);
                    priBits[i] = GicV3Registers.priBits(read(device, ctlr, buffer));
                }
            }
            List<GicAttribute> values = new ArrayList<>();
            for (Access a : plan(version, nrIrqs, ids, i -> priBits[i])) {
                values.add(new GicAttribute(a.group(), a.attr(), a.size(), read(device, a, buffer)));
            }
            return new GicState(version, nrIrqs, ids, values);
        }
    }

    /**
     * Writes {@code state} into {@code vgic}, a vGIC of the same version initialised with the same number of
     * INTIDs, whose vCPUs were created in the same order with the same MPIDRs.
     *
     * @param vgic the initialised vGIC
     * @param vcpus its VM's vCPUs, in creation order, all out of KVM_RUN, their registers restored
     * @param state what {@link #save} read
     * @throws GicStateException when the state does not fit this VM (nothing is written then), or a write fails
     */
    public static void restore(Vgic vgic, List<Vcpu> vcpus, GicState state) {
        requireReady(vgic, vcpus);
        GicVersion version = vgic.version();
        if (state.version() != version) {
            throw new GicStateException("the saved vGIC state is " + state.version().label() + ", this VM has a "
                    + version.label() + ": a snapshot restores only into the GIC version it was taken on");
        }
        Device device = vgic.device();
        List<Integer> ids = cpuIds(version, vcpus);
        if (!ids.equals(state.cpuIds())) {
            throw new GicStateException("the saved vGIC state is for vCPUs " + describe(version, state.cpuIds()) + ", this VM has "
                    + describe(version, ids) + ": create the same vCPUs in the same order before restoring");
        }
        int nrIrqs = nrIrqs(device);
        if (nrIrqs != state.nrIrqs()) {
            throw new GicStateException("the saved vGIC state has " + state.nrIrqs() + " INTIDs, this VM's vGIC " + nrIrqs
                    + ": initialise it with nrIrqs " + state.nrIrqs());
        }
        List<Access> plan = plan(version, nrIrqs, ids, i -> savedPriBits(state, ids.get(i)));
        List<GicAttribute> values = state.attributes();
        for (int i = 0; i < Math.max(plan.size(), values.size()); i++) {
            Access a = i < plan.size() ? plan.get(i) : null;
            GicAttribute v = i < values.size() ? values.get(i) : null;
            if (a == null || v == null || a.group() != v.group() || a.attr() != v.attr() || a.size() != v.size()) {
                throw new GicStateException("the saved vGIC state does not match this VM's vGIC at entry " + i + ": saved "
                        + (v == null ? "nothing" : v) + ", expected " + (a == null ? "nothing"
                        : a.name() + String.format(" (grp %d attr 0x%x)", a.group(), a.attr())));
            }
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(8, 8);
            for (int i = 0; i < plan.size(); i++) {
                Access a = plan.get(i);
                if (a.clearAttr() >= 0) {
                    write(device, new Access(a.name() + " (clear)", a.group(), a.clearAttr(), 4, -1), 0xffff_ffffL, buffer);
                }
                write(device, a, values.get(i).value(), buffer);
            }
        }
    }

    /**
     * The CPU field of each vCPU: v3 the MPIDR_EL1 affinity as the kernel packs it (Aff3 in bits 31:24,
     * Aff2..Aff0 in 23:0, read from each vCPU through ONE_REG), v2 the vCPU's index.
     */
    static List<Integer> cpuIds(GicVersion version, List<Vcpu> vcpus) {
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < vcpus.size(); i++) {
            ids.add(version == GicVersion.V3 ? affinity(vcpus.get(i).getOneReg(MPIDR_EL1)) : i);
        }
        return ids;
    }

    /** MPIDR_EL1 (Aff3 at 39:32, Aff2..Aff0 at 23:0) to the attribute's 32-bit affinity field. */
    static int affinity(long mpidr) {
        return (int) (((mpidr >>> 32) & 0xff) << 24 | (mpidr & 0xff_ffff));
    }

    private static long cpuField(int cpuId) { return Integer.toUnsignedLong(cpuId) << KVM_DEV_ARM_VGIC_V3_MPIDR_SHIFT; }

    /**
     * The walk for a vGIC of {@code version} with {@code nrIrqs} INTIDs and vCPUs {@code cpuIds}; {@code priBits}
     * gives vCPU i's ICC_CTLR_EL1.PRIbits + 1 (v3 only), which decides how many APnR registers it has.
     */
    static List<Access> plan(GicVersion version, int nrIrqs, List<Integer> cpuIds, IntUnaryOperator priBits) {
        List<GicRegisterBlock> table = version == GicVersion.V3 ? GicV3Registers.TABLE : GicV2Registers.TABLE;
        List<Access> plan = new ArrayList<>();
        for (GicRegisterBlock block : table) {
            if (block.perVcpu()) {
                for (int i = 0; i < cpuIds.size(); i++) {
                    for (GicRegister r : block.rows()) {
                        if (r.minPriBits() > priBits.applyAsInt(i)) continue;
                        expand(plan, r, r.intids().from, end(r, nrIrqs), cpuIds.get(i), " of vCPU " + i);
                    }
                }
                continue;
            }
            for (GicRegister r : block.rows()) {
                int end = end(r, nrIrqs);
                // The shared view: DIST_REGS ignore the CPU field; LEVEL_INFO wants an existing vCPU's.
                int shared = r.group() == KVM_DEV_ARM_VGIC_GRP_DIST_REGS ? 0 : cpuIds.getFirst();
                if (r.intids() == GicRegister.Intids.ONE) {
                    expand(plan, r, 0, 0, shared, "");
                    continue;
                }
                if (r.intids().from < Vgic.PRIVATE_IRQS) {
                    for (int i = 0; i < cpuIds.size(); i++) {
                        expand(plan, r, r.intids().from, Math.min(end, Vgic.PRIVATE_IRQS), cpuIds.get(i), " of vCPU " + i);
                    }
                }
                if (end > Vgic.PRIVATE_IRQS) expand(plan, r, Math.max(r.intids().from, Vgic.PRIVATE_IRQS), end, shared, "");
            }
        }
        return plan;
    }

    private static int end(GicRegister r, int nrIrqs) { return r.intids().to < 0 ? nrIrqs : r.intids().to; }

    /** The accesses of row {@code r} for INTIDs [from, to) (a plain register: one access), CPU field {@code cpu}. */
    private static void expand(List<Access> plan, GicRegister r, int from, int to, int cpu, String whose) {
        long cpuBits = cpuField(cpu);
        if (r.intids() == GicRegister.Intids.ONE) {
            plan.add(new Access(r.name() + whose, r.group(), cpuBits | r.offset(), r.size(), -1));
            return;
        }
        if (r.group() == KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO) {
            for (int intid = from; intid < to; intid += 32) {
                long info = (long) VGIC_LEVEL_INFO_LINE_LEVEL << KVM_DEV_ARM_VGIC_LINE_LEVEL_INFO_SHIFT;
                plan.add(new Access(r.name() + " INTID " + intid + whose, r.group(), cpuBits | info | intid, 4, -1));
            }
            return;
        }
        long first = (long) from * r.bitsPerIrq(), last = (long) to * r.bitsPerIrq();
        if (first % 32 != 0 || last % 32 != 0) throw new IllegalStateException(r.name() + ": INTIDs " + from + ".." + to + " are not whole words");
        for (long bit = first; bit < last; bit += 32) {
            int byteOffset = (int) (bit / 8);
            long clear = r.clearOffset() < 0 ? -1 : cpuBits | (r.clearOffset() + byteOffset);
            plan.add(new Access(String.format("%s+0x%x%s", r.name(), byteOffset, whose), r.group(),
                    cpuBits | (r.offset() + byteOffset), 4, clear));
        }
    }

    /** PRIbits from the saved ICC_CTLR_EL1 of the vCPU with {@code cpuId}; 5 (one APnR) if it is missing. */
    private static int savedPriBits(GicState state, int cpuId) {
        long attr = cpuField(cpuId) | GicV3Registers.ICC_CTLR_EL1;
        for (GicAttribute a : state.attributes()) {
            if (a.group() == KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS && a.attr() == attr) return GicV3Registers.priBits(a.value());
        }
        return 5;
    }

    private static int nrIrqs(Device device) {
        try {
            return device.getAttribute32(KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0);
        } catch (KvmException e) {
            throw new GicStateException("cannot read the vGIC's number of INTIDs (KVM_DEV_ARM_VGIC_GRP_NR_IRQS): " + e.getMessage(), e);
        }
    }

    private static long read(Device device, Access a, MemorySegment buffer) {
        try {
            device.getAttribute(a.group(), a.attr(), buffer);
        } catch (KvmException e) {
            throw failure("read", a, e);
        }
        return a.size() == 8 ? buffer.get(ValueLayout.JAVA_LONG, 0) : Integer.toUnsignedLong(buffer.get(ValueLayout.JAVA_INT, 0));
    }

    private static void write(Device device, Access a, long value, MemorySegment buffer) {
        // The whole 8-byte buffer goes to the kernel (Device refuses less); a 32-bit register reads its first 4.
        buffer.set(ValueLayout.JAVA_LONG, 0, a.size() == 8 ? value : Integer.toUnsignedLong((int) value));
        try {
            device.setAttribute(a.group(), a.attr(), buffer);
        } catch (KvmException e) {
            throw failure("write", a, e);
        }
    }

    private static GicStateException failure(String verb, Access a, KvmException e) {
        if (e instanceof KvmException.Busy) {
            return new GicStateException("cannot " + verb + " " + a.name() + ": a vCPU is running (EBUSY); pause every vCPU "
                    + "before saving or restoring the vGIC", e);
        }
        return new GicStateException(String.format("cannot %s %s (grp %d attr 0x%x): %s", verb, a.name(), a.group(), a.attr(),
                e.getMessage()), e);
    }

    private static void requireReady(Vgic vgic, List<Vcpu> vcpus) {
        if (!vgic.isInitialised()) {
            throw new GicStateException(vgic.version().label() + " is not initialised: create the vCPUs, set the addresses "
                    + "and initialise it before saving or restoring its state");
        }
        if (vcpus.isEmpty()) throw new IllegalArgumentException("no vCPUs given: the vGIC state is per vCPU as well");
    }

    private static String describe(GicVersion version, List<Integer> ids) {
        if (version == GicVersion.V2) return ids.size() + " (indices " + ids + ")";
        return ids.stream().map(id -> String.format("0x%08x", id)).toList() + " (MPIDR affinities)";
    }
}
