/**
 * The flattened device tree the guest kernel boots with: {@link dev.kvm4j.vmm.fdt.FdtWriter} writes the DTB
 * format (version 17), and {@link dev.kvm4j.vmm.fdt.MachineFdt} describes the machine in it (memory, CPUs, PSCI,
 * timer, GIC, UART, virtio-mmio slots, the command line and the initrd), with node names and properties as
 * QEMU's {@code virt} board has them.
 */
package dev.kvm4j.vmm.fdt;
