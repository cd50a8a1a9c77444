package dev.kvm4j.vmm.gdb;

/** Something gdb asked that the target cannot do; {@code errno} goes into the {@code E} reply. */
public final class TargetException extends Exception {
    /** POSIX-style numbers gdb shows: EFAULT for memory, EINVAL for a bad register, ENOSPC when the slots are full. */
    public static final int EFAULT = 14, EINVAL = 22, ENOSPC = 28, EIO = 5;

    private final int errno;

    public TargetException(int errno, String message) {
        super(message);
        this.errno = errno;
    }

    public int errno() { return errno; }
}
