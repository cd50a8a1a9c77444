package dev.kvm4j.vmm.machine;

import dev.kvm4j.arm.gic.GicVersion;
import dev.kvm4j.arm.gic.Vgic;
import dev.kvm4j.kvm.Kvm;
import dev.kvm4j.kvm.KvmUnavailableException;
import dev.kvm4j.kvm.Vm;

import java.util.function.Supplier;

/**
 * The real {@link HostKvm}: ARM KVM exists only on an arm64 host. Elsewhere /dev/kvm is never opened: an
 * x86 KVM can answer no ARM question, and whether one is present (or usable by this user) must not change
 * what {@code kvm4j run} does there.
 *
 * @param arch {@code os.arch} as the JVM reports it ("aarch64" on arm64)
 * @param open opens /dev/kvm (the test replaces it to see that it is not called)
 */
record LocalHostKvm(String arch, Supplier<Kvm> open) implements HostKvm {
    static final String ARM64 = "aarch64";

    @Override
    public Kvm openArm() {
        if (!ARM64.equals(arch)) {
            throw new KvmUnavailableException("this host is " + arch + ", and ARM guests need an arm64 host's KVM: "
                    + "use ./kvm4j run from the kvm4j repository, which runs kvm4j in an emulated arm64 host");
        }
        return open.get();
    }

    @Override
    public GicVersion autoGic() {
        if (!ARM64.equals(arch)) return GicVersion.V3;
        Kvm kvm;
        try {
            kvm = open.get();
        } catch (KvmUnavailableException e) {
            return GicVersion.V3; // no usable /dev/kvm here: booting will say so plainly, a tree need not
        }
        try (kvm; Vm vm = kvm.createVm(); Vgic vgic = Vgic.create(vm, GicVersion.AUTO)) {
            return vgic.version();
        }
    }
}
