/**
 * The whole machine with a lifecycle: {@link dev.kvm4j.vmm.machine.Machine} builds guest RAM, the vGIC, the vCPUs
 * and the console from a {@code MachineConfig}, then starts, pauses, resumes, snapshots, restores and stops them,
 * rebooting in place on a guest's PSCI reset. Console output goes to the {@link java.io.OutputStream} given to
 * its builder, and the reason the machine ended comes back as a {@code RunEnd}.
 */
package dev.kvm4j.vmm.machine;
