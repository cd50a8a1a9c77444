package dev.kvm4j.vmm.loader;

/** The state the boot vCPU starts in: booting.rst's AArch64 EL1, or arm/booting.rst's AArch32 SVC mode. */
public enum ExecutionState {
    /** AArch64 at EL1 (EL1h), booting.rst. */
    AARCH64,
    /** AArch32 in SVC mode, arm/booting.rst. */
    AARCH32
}
