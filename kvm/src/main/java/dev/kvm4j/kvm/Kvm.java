package dev.kvm4j.kvm;

import dev.kvm4j.kvm.abi.Capability;
import dev.kvm4j.kvm.internal.FileHandle;
import dev.kvm4j.kvm.internal.Libc;

import java.lang.foreign.Arena;
import java.nio.file.Path;

import static dev.kvm4j.kvm.abi.KvmIoctls.*;

/** The system file descriptor: {@code /dev/kvm}. Creates VMs and answers capability questions. */
public final class Kvm implements AutoCloseable {
    /** Where Linux puts the KVM device. */
    public static final Path DEFAULT_PATH = Path.of("/dev/kvm");

    private final FileHandle handle;
    private final int vcpuMmapSize;

    /** Takes ownership of {@code handle}: closed here if any of the first questions fails. */
    private Kvm(FileHandle handle) {
        this.handle = handle;
        try {
            int version = handle.ioctl("KVM_GET_API_VERSION", KVM_GET_API_VERSION, 0L);
            if (version != KVM_API_VERSION) {
                throw new KvmUnavailableException(handle.what() + " speaks KVM API version " + version + ", kvm4j needs "
                        + KVM_API_VERSION + "; this kernel's KVM is not supported");
            }
            this.vcpuMmapSize = handle.ioctl("KVM_GET_VCPU_MMAP_SIZE", KVM_GET_VCPU_MMAP_SIZE, 0L);
        } catch (RuntimeException | Error e) {
            handle.close();
            throw e;
        }
    }

    /**
     * Opens {@code /dev/kvm}.
     *
     * @return the open system handle; close it when done
     * @throws KvmUnavailableException if the device is missing, cannot be opened, or speaks another API version
     */
    public static Kvm open() { return open(DEFAULT_PATH); }

    /**
     * Opens a KVM device at another path (a container's bind mount, a test's stand-in).
     *
     * @param device the KVM device node
     * @return the open system handle; close it when done
     * @throws KvmUnavailableException if the device is missing, cannot be opened, or speaks another API version
     */
    public static Kvm open(Path device) {
        try (Arena arena = Arena.ofConfined()) {
            var errno = Libc.allocateErrno(arena);
            int fd = Libc.open(errno, device.toString(), Libc.O_RDWR | Libc.O_CLOEXEC);
            if (fd < 0) {
                Errno e = Errno.of(Libc.errno(errno));
                // open's own ENOENT, not a stat before it: one syscall less for every VM a host starts
                if (e == Errno.ENOENT) {
                    throw new KvmUnavailableException(device + " does not exist: this host has no KVM (load the kvm module, or "
                            + "run inside a machine with virtualization enabled)");
                }
                throw new KvmUnavailableException("cannot open " + device + ": " + e.name() + " (" + e.description() + ")"
                        + (e == Errno.EACCES ? "; add this user to the 'kvm' group" : ""));
            }
            return new Kvm(new FileHandle(fd, device.toString()));
        }
    }

    /**
     * Whether {@code /dev/kvm} exists and opens; for tests and tools that decide whether to run.
     *
     * @return true if {@link #open()} would succeed now
     */
    public static boolean isAvailable() {
        try (Kvm ignored = open()) {
            return true;
        } catch (KvmUnavailableException e) {
            return false;
        }
    }

    /**
     * {@code KVM_CHECK_EXTENSION} on the system handle (a VM's answer may differ: see {@link Vm#checkExtension}).
     *
     * @param cap the capability
     * @return 0 when absent, otherwise a capability-specific positive value
     */
    public int checkExtension(Capability cap) { return checkExtension(cap.number()); }

    /**
     * {@code KVM_CHECK_EXTENSION} by number, for a capability {@link Capability} does not name.
     *
     * @param capability the {@code KVM_CAP_*} number
     * @return 0 when absent, otherwise a capability-specific positive value
     */
    public int checkExtension(int capability) {
        return handle.ioctl("KVM_CHECK_EXTENSION", KVM_CHECK_EXTENSION, capability);
    }

    /**
     * {@code KVM_GET_VCPU_MMAP_SIZE}, read once at open.
     *
     * @return the size in bytes of each vCPU's shared {@code kvm_run} mapping
     */
    public int vcpuMmapSize() { return vcpuMmapSize; }

    /**
     * {@code KVM_CREATE_VM} with machine type 0 (on arm64: the default 40-bit IPA space).
     *
     * @return the new VM; close it when done (it keeps working after this {@code Kvm} is closed)
     */
    public Vm createVm() { return createVm(0); }

    /**
     * {@code KVM_CREATE_VM} with an arch-specific machine type.
     *
     * @param machineType on arm64 {@code KVM_VM_TYPE_ARM_IPA_SIZE(bits)}, the guest physical address size
     * @return the new VM; close it when done
     */
    public Vm createVm(long machineType) {
        int fd = handle.ioctl("KVM_CREATE_VM", KVM_CREATE_VM, machineType);
        return new Vm(fd, this);
    }

    /** Closes {@code /dev/kvm}; VMs created from it stay usable. Idempotent. */
    @Override
    public void close() { handle.close(); }
}
