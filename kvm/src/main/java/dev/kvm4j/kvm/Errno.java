package dev.kvm4j.kvm;

/** Linux errno values KVM returns (asm-generic numbering, shared by x86_64 and arm64). */
public enum Errno {
    /** 1: operation not permitted. */
    EPERM(1, "operation not permitted"),
    /** 2: no such file or directory. */
    ENOENT(2, "no such file or directory"),
    /** 4: interrupted. */
    EINTR(4, "interrupted"),
    /** 5: I/O error. */
    EIO(5, "I/O error"),
    /** 6: no such device or address. */
    ENXIO(6, "no such device or address"),
    /** 7: argument list too long. */
    E2BIG(7, "argument list too long"),
    /** 8: exec format error (not initialised yet?). */
    ENOEXEC(8, "exec format error (not initialised yet?)"),
    /** 9: bad file descriptor. */
    EBADF(9, "bad file descriptor"),
    /** 11: try again. */
    EAGAIN(11, "try again"),
    /** 12: out of memory. */
    ENOMEM(12, "out of memory"),
    /** 13: permission denied. */
    EACCES(13, "permission denied"),
    /** 14: bad address. */
    EFAULT(14, "bad address"),
    /** 16: device or resource busy. */
    EBUSY(16, "device or resource busy"),
    /** 17: already exists. */
    EEXIST(17, "already exists"),
    /** 19: no such device. */
    ENODEV(19, "no such device"),
    /** 22: invalid argument. */
    EINVAL(22, "invalid argument"),
    /** 28: no space left. */
    ENOSPC(28, "no space left"),
    /** 34: out of range. */
    ERANGE(34, "out of range"),
    /** 38: function not implemented. */
    ENOSYS(38, "function not implemented"),
    /** 95: operation not supported. */
    EOPNOTSUPP(95, "operation not supported"),
    /** A number not listed here. */
    UNKNOWN(-1, "unknown error");

    private final int number;
    private final String description;

    Errno(int number, String description) {
        this.number = number;
        this.description = description;
    }

    /** {@return the errno number, -1 for {@link #UNKNOWN}} */
    public int number() { return number; }

    /** {@return a few words for a person, as {@code strerror} would say it} */
    public String description() { return description; }

    /**
     * The name of an errno number.
     *
     * @param number the errno
     * @return its constant, or {@link #UNKNOWN} for a number not listed here
     */
    public static Errno of(int number) {
        for (Errno e : values()) if (e.number == number) return e;
        return UNKNOWN;
    }
}
