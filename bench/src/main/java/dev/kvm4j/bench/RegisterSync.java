package dev.kvm4j.bench;

import dev.kvm4j.arm.VcpuInit;
import dev.kvm4j.arm.cpu.ArmVcpu;
import dev.kvm4j.arm.cpu.Counters;
import dev.kvm4j.arm.cpu.SyncLevel;
import dev.kvm4j.kvm.Kvm;
import dev.kvm4j.kvm.Vcpu;
import dev.kvm4j.kvm.Vm;

import java.util.ArrayList;
import java.util.List;

/**
 * Full register sync: every id of KVM_GET_REG_LIST read, then every one written, as a snapshot and its
 * restore do. kvm4j goes through {@link ArmVcpu}'s FULL-level sync between the kernel and its register
 * lists (counters included, as the C reference writes them too); the C reference ({@code kvmbench sync})
 * does the same ioctls on a vCPU initialised the same way (preferred target, no features).
 */
final class RegisterSync {
    private RegisterSync() {}

    /** {kvm4j ns per sync, C ns per sync, kvm4j bytes allocated per sync}: medians of alternating runs. */
    static double[] sideBySide(String cBinary, int runs, long syncs) throws Exception {
        List<Double> java = new ArrayList<>(), c = new ArrayList<>(), alloc = new ArrayList<>();
        for (int r = 0; r < runs; r++) {
            double[] j = measure(syncs);
            java.add(j[0]);
            alloc.add(j[1]);
            c.add(Bench.runC(cBinary, "sync", syncs));
        }
        return new double[] {Bench.median(java), Bench.median(c), Bench.median(alloc)};
    }

    /** Returns {nanoseconds per sync, bytes allocated per sync}. */
    static double[] measure(long syncs) {
        try (Kvm kvm = Kvm.open(); Vm vm = kvm.createVm(); Vcpu vcpu = vm.createVcpu(0)) {
            ArmVcpu cpu = ArmVcpu.initialise(vcpu, VcpuInit.preferred(vm));
            for (long i = 0; i < syncs / 10 + 1; i++) sync(cpu); // warm-up, as the C reference does
            long bytes0 = Allocation.threadBytes();
            long t0 = System.nanoTime();
            for (long i = 0; i < syncs; i++) sync(cpu);
            long t1 = System.nanoTime();
            long bytes = Allocation.threadBytes() - bytes0;
            return new double[] {(double) (t1 - t0) / syncs, (double) bytes / syncs};
        }
    }

    private static void sync(ArmVcpu cpu) {
        cpu.readFromKernel(SyncLevel.FULL).orThrow();
        cpu.writeToKernel(SyncLevel.FULL, Counters.RESTORE).orThrow();
    }
}
