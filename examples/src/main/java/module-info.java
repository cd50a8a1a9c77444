/**
 * Short programs that use kvm4j as a library, each a {@code main} to copy: {@link
 * dev.kvm4j.examples.CountMmioWrites} runs a few AArch64 instructions on a bare vCPU and counts the guest's
 * MMIO writes; {@link dev.kvm4j.examples.BootLinux} boots a Linux guest with the vmm's {@code Machine} and
 * captures its console. Programs, not an API: nothing is exported. Run them on the module path with native
 * access for kvm4j's kvm module only:
 * <pre>
 * java --module-path MODS --enable-native-access=dev.kvm4j.kvm -m dev.kvm4j.examples/dev.kvm4j.examples.CountMmioWrites
 * </pre>
 */
module dev.kvm4j.examples {
    requires dev.kvm4j.vmm;
}
