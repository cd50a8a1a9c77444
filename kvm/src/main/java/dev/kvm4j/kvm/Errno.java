package dev.kvm4j.kvm;

/** Linux errno values KVM returns (asm-generic numbering, shared by x86_64 and arm64). */
public enum Errno {
    EPERM(1, "operation not permitted"),
    ENOENT(2, "no such file or directory"),
    EINTR(4, "interrupted"),
    EIO(5, "I/O error"),
    ENXIO(6, "no such device or address"),
    E2BIG(7, "argument list too long"),
    ENOEXEC(8, "exec format error (not initialised yet?)"),
    EBADF(9, "bad file descriptor"),
    EAGAIN(11, "try again"),
    ENOMEM(12, "out of memory"),
    EACCES(13, "permission denied"),
    EFAULT(14, "bad address"),
    EBUSY(16, "device or resource busy"),
    EEXIST(17, "already exists"),
    ENODEV(19, "no such device"),
    EINVAL(22, "invalid argument"),
    ENOSPC(28, "no space left"),
    ERANGE(34, "out of range"),
    ENOSYS(38, "function not implemented"),
    EOPNOTSUPP(95, "operation not supported"),
    UNKNOWN(-1, "unknown error");

    private final int number;
    private final String description;

    Errno(int number, String description) {
        this.number = number;
        this.description = description;
    }

    public int number() { return number; }

    public String description() { return description; }

    public static Errno of(int number) {
        for (Errno e : values()) if (e.number == number) return e;
        return UNKNOWN;
    }
}
