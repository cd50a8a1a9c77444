/**
 * Running an ARM machine on KVM: a platform thread per vCPU ({@link dev.kvm4j.arm.run.MachineLoop}), MMIO
 * exits dispatched to devices by address range ({@link dev.kvm4j.arm.run.MmioMap}), a chosen behaviour for
 * addresses no device claims ({@link dev.kvm4j.arm.run.UnmappedPolicy}), pause/resume from another thread,
 * and one typed reason why the machine ended ({@link dev.kvm4j.arm.run.RunEnd}).
 */
package dev.kvm4j.arm.run;
