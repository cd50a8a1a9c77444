/**
 * The control socket of a running machine: {@link dev.kvm4j.vmm.control.ControlServer} listens on a Unix domain
 * socket for one-line commands ({@code pause}, {@code resume}, {@code snapshot FILE}, {@code status},
 * {@code quit}) and answers each with one line, {@code ok ...} or {@code error ...}, on whatever
 * {@link dev.kvm4j.vmm.control.Controllable} it serves.
 */
package dev.kvm4j.vmm.control;
