/** The ARM side of KVM: register ids and tables, the CPU state model, vCPU init/get/put/reset, vGIC, PSCI. */
module dev.kvm4j.arm {
    requires transitive dev.kvm4j.kvm;
    exports dev.kvm4j.arm;
    exports dev.kvm4j.arm.regs;
    exports dev.kvm4j.arm.aarch32;
    exports dev.kvm4j.arm.gic;
    exports dev.kvm4j.arm.psci;
    exports dev.kvm4j.arm.cpu;
    exports dev.kvm4j.arm.run;
    exports dev.kvm4j.arm.state;
    exports dev.kvm4j.arm.debug;
}
