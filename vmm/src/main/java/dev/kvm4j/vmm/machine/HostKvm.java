package dev.kvm4j.vmm.machine;

import dev.kvm4j.arm.gic.GicVersion;
import dev.kvm4j.kvm.Kvm;
import dev.kvm4j.kvm.KvmUnavailableException;

/**
 * The ARM facts kvm4j takes from the host's KVM, behind one seam so that what a host without ARM KVM
 * does (an x86 machine with or without its own /dev/kvm) can be tested anywhere. {@link #local()} is the
 * real one; tests hand {@link KvmRunner} a fake.
 */
public interface HostKvm {
    /**
     * Opens the host's KVM to build an ARM machine on it.
     *
     * @return the open system handle
     * @throws KvmUnavailableException saying why this host cannot (not arm64, no /dev/kvm, no permission)
     */
    Kvm openArm();

    /**
     * What {@code --gic auto} becomes for a device tree written without booting: the vGIC this host's KVM
     * would create, where it can be asked; a nominal GICv3 where it cannot (the machine will run elsewhere,
     * in the emulated arm64 host, which decides "auto" for itself).
     *
     * @return V2 or V3
     */
    GicVersion autoGic();

    /** {@return this machine: its {@code os.arch} and {@link Kvm#DEFAULT_PATH}} */
    static HostKvm local() {
        return new LocalHostKvm(System.getProperty("os.arch"), Kvm::open);
    }
}
