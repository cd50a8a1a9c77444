package dev.kvm4j.vmm.gdb;

/** Something gdb asked that the target cannot do; {@code errno} goes into the {@code E} reply. */
public final class TargetException extends Exception {
    /** POSIX-style numbers gdb shows: EFAULT for memory, EINVAL for a bad register, ENOSPC when the slots are full. */
    public static final int EFAULT = 14, EINVAL = 22, ENOSPC = 28, EIO = 5;

    /** The error number of the {@code E} reply. */
    private final int errno;

    /**
     * A failure to report to gdb.
     *
     * @param errno the error number gdb is sent, one of the constants here
     * @param message one line saying what failed
     */
    public TargetException(int errno, String message) {
        super(message);
        this.errno = errno;
    }

    /**
     * The error number of the {@code E} reply.
     *
     * @return the errno given at construction
     */
    public int errno() { return errno; }
}
