/**
 * The arch-neutral KVM ABI as data: ioctl numbers ({@link dev.kvm4j.kvm.abi.KvmIoctls}, built by
 * {@link dev.kvm4j.kvm.abi.IoctlNumber} from the kernel's {@code _IO*} rules), capability numbers
 * ({@link dev.kvm4j.kvm.abi.Capability}), exit reasons and the memory layouts of the structs in
 * {@code <linux/kvm.h>} ({@link dev.kvm4j.kvm.abi.KvmStructs}). Names are the kernel's own, so that the build's
 * ABI check can compare every number, offset and size with the kernel headers of x86_64 and arm64. An
 * architecture layer uses these to issue ioctls of its own through {@code Vm.ioctl} and {@code Vcpu.ioctl}.
 */
package dev.kvm4j.kvm.abi;
