/** Arch-neutral access to Linux KVM through the FFM API: one type per file descriptor. */
module dev.kvm4j.kvm {
    exports dev.kvm4j.kvm;
    exports dev.kvm4j.kvm.abi;
    exports dev.kvm4j.kvm.sys;
}
