/**
 * Emulated devices the machine puts on its MMIO bus: the {@link dev.kvm4j.vmm.device.Pl011} UART (the console,
 * as much of the PL011 as Linux's driver and earlycon use) and the interrupt line a device raises.
 */
package dev.kvm4j.vmm.device;
