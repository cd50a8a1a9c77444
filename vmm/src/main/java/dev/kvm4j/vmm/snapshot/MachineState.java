package dev.kvm4j.vmm.snapshot;

import dev.kvm4j.arm.state.GicState;
import dev.kvm4j.vmm.device.Pl011;

import java.util.List;

/**
 * A paused machine's whole state but its RAM, as a Java value: what a snapshot file holds besides the
 * memory image, and what tests compare across a save and a restore.
 *
 * @param config the machine a restore must build
 * @param vcpus every vCPU, in creation order (copied)
 * @param gic the vGIC's state
 * @param uart the PL011's state
 */
public record MachineState(SnapshotConfig config, List<VcpuSnapshot> vcpus, GicState gic, Pl011.State uart) {
    /** Copies {@code vcpus}, so the state cannot change under a writer. */
    public MachineState {
        vcpus = List.copyOf(vcpus);
    }
}
