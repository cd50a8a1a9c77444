package dev.kvm4j.vmm.loader;

import dev.kvm4j.vmm.GuestRange;

import java.util.Optional;

/**
 * What the loader did to guest RAM and what the boot vCPU must be given: the only thing that crosses
 * from loading to running.
 *
 * @param state     the state the boot vCPU starts in
 * @param registers its registers at the first instruction
 * @param kernel the kernel bytes as loaded
 * @param initrd    the initrd as loaded, if any
 * @param dtb    the device tree as written (its exact size, inside the 2 MiB slot)
 * @param dtbBlob the device tree's bytes, e.g. for --dump-dtb
 */
public record BootPlan(ExecutionState state, BootRegisters registers, GuestRange kernel, Optional<GuestRange> initrd,
                       GuestRange dtb, byte[] dtbBlob) {

    /** {@return the entry point} */
    public long entry() { return registers.pc(); }

    /** {@return the device tree's guest physical address} */
    public long dtbAddress() { return dtb.start(); }
}
