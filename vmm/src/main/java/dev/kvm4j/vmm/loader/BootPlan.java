package dev.kvm4j.vmm.loader;

import dev.kvm4j.vmm.GuestRange;

import java.util.Optional;

/**
 * What the loader did to guest RAM and what the boot vCPU must be given: the only thing that crosses
 * from loading to running.
 *
 * @param kernel the kernel bytes as loaded
 * @param dtb    the device tree as written (its exact size, inside the 2 MiB slot)
 * @param dtbBlob the device tree's bytes, e.g. for --dump-dtb
 */
public record BootPlan(ExecutionState state, BootRegisters registers, GuestRange kernel, Optional<GuestRange> initrd,
                       GuestRange dtb, byte[] dtbBlob) {

    public long entry() { return registers.pc(); }

    public long dtbAddress() { return dtb.start(); }
}
