package dev.kvm4j.bench;

import dev.kvm4j.arm.VcpuInit;
import dev.kvm4j.arm.cpu.ArmVcpu;
import dev.kvm4j.arm.cpu.Counters;
import dev.kvm4j.arm.cpu.SyncLevel;
import dev.kvm4j.kvm.Kvm;
import dev.kvm4j.kvm.Vcpu;
import dev.kvm4j.kvm.Vm;

/**
 * Full register sync: every id of KVM_GET_REG_LIST read, then every one written, as a snapshot and its
 * restore do. kvm4j goes through {@link ArmVcpu}'s FULL-level sync between the kernel and its register
 * lists (counters included, as the C reference writes them too); the C reference ({@code kvmbench sync})
 * does the same ioctls on a vCPU initialised the same way (preferred target, no features). One vCPU
 * serves every turn of the JVM side.
 */
final class RegisterSync implements Pairs.Turn, AutoCloseable {
    private final Kvm kvm;
    private final Vm vm;
    private final Vcpu vcpu;
    private final ArmVcpu cpu;
    private final long syncs;
    private double lastBytesPerSync;

    RegisterSync(long syncs) {
        this.syncs = syncs;
        kvm = Kvm.open();
        vm = kvm.createVm();
        vcpu = vm.createVcpu(0);
        cpu = ArmVcpu.initialise(vcpu, VcpuInit.preferred(vm));
        for (long i = 0; i < syncs / 10 + 1; i++) sync(); // warm-up, as the C reference does
    }

    /** Nanoseconds per sync. */
    @Override
    public double measure() {
        long bytes0 = Allocation.threadBytes();
        long t0 = System.nanoTime();
        for (long i = 0; i < syncs; i++) sync();
        long t1 = System.nanoTime();
        lastBytesPerSync = (double) (Allocation.threadBytes() - bytes0) / syncs;
        return (double) (t1 - t0) / syncs;
    }

    double lastBytesPerSync() { return lastBytesPerSync; }

    private void sync() {
        cpu.readFromKernel(SyncLevel.FULL).orThrow();
        cpu.writeToKernel(SyncLevel.FULL, Counters.RESTORE).orThrow();
    }

    @Override
    public void close() {
        vcpu.close();
        vm.close();
        kvm.close();
    }
}
