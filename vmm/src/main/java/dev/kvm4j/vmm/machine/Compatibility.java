package dev.kvm4j.vmm.machine;

import dev.kvm4j.arm.VcpuFeature;
import dev.kvm4j.arm.VcpuFeatureUnavailableException;
import dev.kvm4j.arm.VcpuInit;
import dev.kvm4j.arm.cpu.RegisterClass;
import dev.kvm4j.arm.gic.GicException;
import dev.kvm4j.arm.gic.GicVersion;
import dev.kvm4j.arm.gic.Vgic;
import dev.kvm4j.arm.regs.CpuState;
import dev.kvm4j.arm.regs.RegisterId;
import dev.kvm4j.arm.regs.RegisterValue;
import dev.kvm4j.kvm.KvmException;
import dev.kvm4j.kvm.Vm;
import dev.kvm4j.vmm.snapshot.SnapshotException;
import dev.kvm4j.vmm.snapshot.VcpuSnapshot;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Whether this host can stand in for the one a snapshot was taken on, decided before any state goes in: the
 * same vGIC version, the same vCPU target and features, the same register list, and the same value for every register the kernel
 * holds constant (MIDR_EL1, the ID registers, the cache geometry, the firmware/SMCCC registers). A guest
 * restored on a CPU it did not probe would take wrong errata paths or meet missing features at random.
 */
final class Compatibility {
    private Compatibility() {}

    /** The most differences one refusal lists in full; the rest are counted. */
    private static final int SHOWN = 12;

    /**
     * The snapshot's vGIC, or where this host cannot give it, a difference noted and the vGIC the host does
     * give: the vCPUs are still compared (KVM derives ID_AA64PFR0_EL1.GIC from the vGIC it has), so one
     * refusal names the GIC version and every register. No vGIC at all is refused at once.
     */
    static Vgic createVgic(Vm vm, GicVersion wanted, String name, List<String> mismatches) {
        try {
            return Vgic.create(vm, wanted);
        } catch (GicException.VersionNotOffered e) {
            if (e.offered().isEmpty()) {
                throw new SnapshotException(name + " holds a machine with a " + wanted.label() + ", which this host cannot give: " + e.getMessage(), e);
            }
            Vgic given = Vgic.create(vm, GicVersion.AUTO);
            mismatches.add("GIC version: snapshot " + wanted.label() + ", this host " + given.version().label());
            return given;
        }
    }

    /** Target and features of the vCPU against what this host's KVM prefers and offers. */
    static void checkInit(VcpuSnapshot v, Vm vm, List<String> mismatches) {
        for (VcpuFeature f : v.features()) {
            if (f.capability() != null && vm.checkExtension(f.capability()) == 0) {
                mismatches.add("vCPU feature " + f + " (" + f.ability() + "): the snapshot's vCPU " + v.id() + " has it, this host does not offer it");
            }
        }
        if (!mismatches.isEmpty()) return;
        try {
            int target = VcpuInit.preferred(vm, v.features().toArray(VcpuFeature[]::new)).target();
            if (target != v.target()) mismatches.add("vCPU target: snapshot " + v.target() + ", this host " + target);
        } catch (VcpuFeatureUnavailableException | KvmException e) {
            // no preferred target (a kernel before 3.13): KVM_ARM_VCPU_INIT will say whether it takes the saved one
        }
    }

    /** vCPU {@code index}'s register list and constants: saved against this host's freshly initialised vCPU. */
    static void checkRegisters(int index, CpuState saved, CpuState host, List<String> mismatches) {
        Set<RegisterId> missing = new TreeSet<>(saved.values().keySet());
        missing.removeAll(host.values().keySet());
        Set<RegisterId> extra = new TreeSet<>(host.values().keySet());
        extra.removeAll(saved.values().keySet());
        Set<String> found = new LinkedHashSet<>(mismatches);
        for (RegisterId id : missing) found.add(id.name() + ": in the snapshot, not in this host's register list");
        for (RegisterId id : extra) found.add(id.name() + ": in this host's register list, not in the snapshot");
        for (var e : saved.values().entrySet()) {
            RegisterId id = e.getKey();
            if (!RegisterClass.of(id).constant()) continue;
            RegisterValue mine = host.values().get(id);
            if (mine != null && !mine.equals(e.getValue())) found.add(id.name() + ": snapshot " + e.getValue() + ", this host " + mine);
        }
        mismatches.clear();
        mismatches.addAll(found);
    }

    static SnapshotException refuse(String name, List<String> mismatches) {
        StringBuilder sb = new StringBuilder(name + " was taken on a host this one cannot stand in for (" + mismatches.size()
                + (mismatches.size() == 1 ? " difference" : " differences") + "): ");
        sb.append(String.join("; ", mismatches.subList(0, Math.min(SHOWN, mismatches.size()))));
        if (mismatches.size() > SHOWN) sb.append("; and ").append(mismatches.size() - SHOWN).append(" more");
        return new SnapshotException(sb.toString());
    }
}
