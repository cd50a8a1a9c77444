/**
 * A small virt-style ARM machine monitor on kvm4j: {@link dev.kvm4j.vmm.MachineConfig} is everything a user
 * chooses about a machine (kernel, initrd, command line, vCPUs, memory, GIC, disks), checked when built;
 * {@link dev.kvm4j.vmm.Layout} is the guest physical memory map, which follows QEMU's {@code virt} board.
 * The machine itself is {@code dev.kvm4j.vmm.machine.Machine}; loaders, the device tree, devices, snapshots,
 * the control socket and the gdb stub are in the sub-packages.
 * <p>
 * Mistakes in what the user gave are {@link dev.kvm4j.vmm.BadInputException}s whose message alone says what is
 * wrong and what would be right.
 */
package dev.kvm4j.vmm;
