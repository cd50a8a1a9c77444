/**
 * A GDB remote-protocol stub: {@link dev.kvm4j.vmm.gdb.GdbServer} serves one gdb at a time over TCP for any
 * {@link dev.kvm4j.vmm.gdb.DebugTarget}, a machine whose threads are its vCPUs. It supports all-stop debugging:
 * breakpoints, hardware breakpoints, watchpoints, single-step, registers and memory at guest virtual addresses.
 * Malformed packets are answered with errors and never end the guest.
 */
package dev.kvm4j.vmm.gdb;
