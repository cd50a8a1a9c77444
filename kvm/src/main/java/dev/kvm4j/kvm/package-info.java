/**
 * Linux KVM from Java, through the FFM API and nothing else: one type per file descriptor the kernel hands
 * out. {@link dev.kvm4j.kvm.Kvm} opens {@code /dev/kvm} and asks about capabilities; a {@link dev.kvm4j.kvm.Vm}
 * holds memory slots, devices, interrupt lines and eventfds; a {@link dev.kvm4j.kvm.Vcpu} runs guest code and
 * returns each exit as a {@link dev.kvm4j.kvm.VcpuExit}; {@link dev.kvm4j.kvm.GuestMemory} is guest RAM, accessed
 * by guest physical address with every access bounds-checked. Nothing here knows an architecture: the ARM layer
 * ({@code dev.kvm4j.arm}) builds on it.
 * <p>
 * Every handle is {@link java.lang.AutoCloseable}, closing is idempotent, and a handle used after close throws
 * {@link dev.kvm4j.kvm.ClosedHandleException} instead of reaching a file descriptor number the process may have
 * reused. A failed ioctl is a {@link dev.kvm4j.kvm.KvmException} naming the ioctl, the handle and the errno; a
 * host without a usable KVM is a {@link dev.kvm4j.kvm.KvmUnavailableException} saying what is missing.
 * <p>
 * This module is the only one of kvm4j that calls native code: run with
 * {@code --enable-native-access=dev.kvm4j.kvm}.
 */
package dev.kvm4j.kvm;
