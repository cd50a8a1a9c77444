package dev.kvm4j.arm.state;

/**
 * One saved vGIC register: the device attribute it was read through ({@code group}, {@code attr} with the
 * CPU field filled in) and its value, {@code size} bytes (4, or 8 for CPU_SYSREGS).
 *
 * @param group the attribute group
 * @param attr the attribute, CPU field included
 * @param size 4 or 8
 * @param value the register's value
 */
public record GicAttribute(int group, long attr, int size, long value) {
    /** An attribute, checked: the size is 4 or 8 and a 4-byte value fits 32 bits. */
    public GicAttribute {
        if (size != 4 && size != 8) throw new IllegalArgumentException("vGIC attributes are 4 or 8 bytes, not " + size);
        if (size == 4 && (value >>> 32) != 0) throw new IllegalArgumentException(String.format("value 0x%x does not fit 4 bytes", value));
    }

    @Override
    public String toString() { return String.format("grp %d attr 0x%x = 0x%x", group, attr, value); }
}
