/**
 * PSCI, the Arm power state interface, as KVM implements it in the kernel: {@link dev.kvm4j.arm.psci.Psci} holds
 * the function ids and return codes of {@code <linux/psci.h>}, and {@link dev.kvm4j.arm.psci.PowerEvent} is what
 * a guest's SYSTEM_OFF, SYSTEM_RESET(2) or crash report becomes when KVM hands it to the VMM as a system event.
 */
package dev.kvm4j.arm.psci;
