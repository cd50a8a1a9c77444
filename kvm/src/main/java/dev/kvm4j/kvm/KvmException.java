package dev.kvm4j.kvm;

/**
 * A KVM call the kernel refused: names the call, the object it was made on and the errno. The
 * subclasses let callers catch the cases that mean something to them (E2BIG: buffer too small,
 * ENOEXEC: vCPU not initialised, EEXIST: slot or id taken) without comparing numbers.
 */
public sealed class KvmException extends RuntimeException {
    /** The refused call, e.g. {@code KVM_SET_USER_MEMORY_REGION}. */
    private final String call;
    /** The errno the kernel answered. */
    private final int errnoNumber;

    KvmException(String call, String target, int errno) {
        super(call + " on " + target + " failed: " + name(errno) + " (" + Errno.of(errno).description() + ")");
        this.call = call;
        this.errnoNumber = errno;
    }

    private static String name(int errno) {
        Errno e = Errno.of(errno);
        return e == Errno.UNKNOWN ? "errno " + errno : e.name();
    }

    /** {@return the refused call, e.g. {@code KVM_SET_USER_MEMORY_REGION}} */
    public String call() { return call; }

    /** {@return the errno number the kernel answered} */
    public int errnoNumber() { return errnoNumber; }

    /** {@return the errno by name ({@link Errno#UNKNOWN} for a number kvm4j does not name)} */
    public Errno errno() { return Errno.of(errnoNumber); }

    /**
     * Builds the most specific subclass for {@code errno}.
     *
     * @param call the refused call
     * @param target the object it was made on, as messages name it
     * @param errno the errno number
     * @return the exception, to throw
     */
    public static KvmException of(String call, String target, int errno) {
        return switch (Errno.of(errno)) {
            case EINVAL -> new InvalidArgument(call, target, errno);
            case EEXIST -> new AlreadyExists(call, target, errno);
            case ENOEXEC -> new NotInitialised(call, target, errno);
            case E2BIG -> new TooBig(call, target, errno);
            case EFAULT -> new BadAddress(call, target, errno);
            case ENXIO -> new NoSuchDeviceOrAddress(call, target, errno);
            case ENODEV -> new NoDevice(call, target, errno);
            case EBUSY -> new Busy(call, target, errno);
            case ENOENT -> new NotFound(call, target, errno);
            case EPERM, EACCES -> new PermissionDenied(call, target, errno);
            default -> new KvmException(call, target, errno);
        };
    }

    /** EINVAL. */
    public static final class InvalidArgument extends KvmException {
        InvalidArgument(String c, String t, int e) { super(c, t, e); }
    }

    /** EEXIST: a memory slot overlaps, or a vCPU id is taken. */
    public static final class AlreadyExists extends KvmException {
        AlreadyExists(String c, String t, int e) { super(c, t, e); }
    }

    /** ENOEXEC: the vCPU must be initialised first (e.g. KVM_GET_REG_LIST before KVM_ARM_VCPU_INIT). */
    public static final class NotInitialised extends KvmException {
        NotInitialised(String c, String t, int e) { super(c, t, e); }
    }

    /** E2BIG: the buffer passed was too small. */
    public static final class TooBig extends KvmException {
        TooBig(String c, String t, int e) { super(c, t, e); }
    }

    /** EFAULT. */
    public static final class BadAddress extends KvmException {
        BadAddress(String c, String t, int e) { super(c, t, e); }
    }

    /** ENXIO: no such attribute, register or address. */
    public static final class NoSuchDeviceOrAddress extends KvmException {
        NoSuchDeviceOrAddress(String c, String t, int e) { super(c, t, e); }
    }

    /** ENODEV: the device type is not offered by this host. */
    public static final class NoDevice extends KvmException {
        NoDevice(String c, String t, int e) { super(c, t, e); }
    }

    /** EBUSY. */
    public static final class Busy extends KvmException {
        Busy(String c, String t, int e) { super(c, t, e); }
    }

    /** ENOENT: e.g. an unknown register id. */
    public static final class NotFound extends KvmException {
        NotFound(String c, String t, int e) { super(c, t, e); }
    }

    /** EPERM/EACCES: typically /dev/kvm not accessible to this user. */
    public static final class PermissionDenied extends KvmException {
        PermissionDenied(String c, String t, int e) { super(c, t, e); }
    }
}
