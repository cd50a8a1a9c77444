/** A small virt-style ARM machine on kvm4j: RAM, UART, vGIC, device tree, loaders, CLI. */
module dev.kvm4j.vmm {
    requires transitive dev.kvm4j.arm;
    requires dev.kvm4j.kvm;
    requires info.picocli;
    exports dev.kvm4j.vmm;
    exports dev.kvm4j.vmm.device;
    exports dev.kvm4j.vmm.fdt;
    exports dev.kvm4j.vmm.gdb;
    exports dev.kvm4j.vmm.loader;
    exports dev.kvm4j.vmm.machine;
    exports dev.kvm4j.vmm.snapshot;
    exports dev.kvm4j.vmm.control;
    exports dev.kvm4j.vmm.virtio;
    opens dev.kvm4j.vmm.cli to info.picocli;
}
