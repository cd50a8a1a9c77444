package dev.kvm4j.kvm.abi;

/**
 * The asm-generic {@code _IO/_IOR/_IOW/_IOWR} encoding, shared by x86_64 and arm64:
 * dir(2) | size(14) | type(8) | nr(8), from bit 31 down.
 */
public final class IoctlNumber {
    private static final int NRSHIFT = 0, TYPESHIFT = 8, SIZESHIFT = 16, DIRSHIFT = 30;
    private static final long NONE = 0, WRITE = 1, READ = 2;
    private static final long MAX_SIZE = (1 << 14) - 1;

    private IoctlNumber() {}

    /**
     * {@code _IO(type, nr)}: an ioctl without an argument struct.
     *
     * @param type the ioctl type ({@link KvmIoctls#KVMIO} for KVM)
     * @param nr the number within the type
     * @return the request number
     */
    public static long io(int type, int nr) { return encode(NONE, type, nr, 0); }
    /**
     * {@code _IOR(type, nr, size)}: the kernel writes a struct back.
     *
     * @param type the ioctl type
     * @param nr the number within the type
     * @param size the struct's size in bytes
     * @return the request number
     */
    public static long ior(int type, int nr, long size) { return encode(READ, type, nr, size); }
    /**
     * {@code _IOW(type, nr, size)}: the kernel reads a struct.
     *
     * @param type the ioctl type
     * @param nr the number within the type
     * @param size the struct's size in bytes
     * @return the request number
     */
    public static long iow(int type, int nr, long size) { return encode(WRITE, type, nr, size); }
    /**
     * {@code _IOWR(type, nr, size)}: the kernel reads and writes a struct.
     *
     * @param type the ioctl type
     * @param nr the number within the type
     * @param size the struct's size in bytes
     * @return the request number
     */
    public static long iowr(int type, int nr, long size) { return encode(READ | WRITE, type, nr, size); }

    private static long encode(long dir, int type, int nr, long size) {
        if (size < 0 || size > MAX_SIZE) throw new IllegalArgumentException("ioctl argument size " + size + " does not fit 14 bits");
        return (dir << DIRSHIFT) | (size << SIZESHIFT) | ((long) (type & 0xff) << TYPESHIFT) | ((long) (nr & 0xff) << NRSHIFT);
    }
}
