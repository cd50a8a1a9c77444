/**
 * Virtio devices over the virtio-mmio transport (version 2): {@link dev.kvm4j.vmm.virtio.VirtioMmio} is the
 * register block and the queues, {@link dev.kvm4j.vmm.virtio.VirtioDevice} what a device implements, and
 * {@link dev.kvm4j.vmm.virtio.VirtioBlock} and {@link dev.kvm4j.vmm.virtio.VirtioRng} are the two kvm4j ships.
 * Everything a driver hands over is validated before a device sees it (every buffer inside guest RAM, chains
 * bounded), and queue notifications and interrupts go through KVM's ioeventfd and irqfd.
 */
package dev.kvm4j.vmm.virtio;
