/** A small virt-style ARM machine on kvm4j: RAM, UART, vGIC, device tree, loaders, CLI. */
module dev.kvm4j.vmm {
    requires dev.kvm4j.arm;
    requires info.picocli;
    exports dev.kvm4j.vmm;
    opens dev.kvm4j.vmm to info.picocli;
}
