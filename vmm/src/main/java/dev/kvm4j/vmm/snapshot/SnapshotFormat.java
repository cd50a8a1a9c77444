package dev.kvm4j.vmm.snapshot;

import java.nio.charset.StandardCharsets;

/**
 * kvm4j's snapshot file, version 2 (version 1: the same without VIRT sections; a machine without virtio
 * devices is still written as version 1, which older kvm4j read). All numbers big-endian.
 * <pre>
 * file    = magic "KVM4JSNP" (8 bytes) | u32 format version | section* | END section
 * section = u32 tag | u64 payload length | u32 CRC32C of the payload | payload
 * HEAD    UTF-8 text, "key: value" lines, for people (kvm4j snapshot-info prints it); never parsed for a restore
 * CONF    the machine config ({@link SnapshotConfig})
 * VCPU    one per vCPU in creation order: u32 id | u32 target | u8 n, n × u8 feature bit
 *         | u32 m, m × (u64 register id | u16 size | size bytes, little-endian as KVM_GET_ONE_REG gives them)
 *         | u32 k, k bytes of the vCPU's power and events (arm's StateCodec "KVCX")
 * VGIC    the vGIC state (arm's StateCodec "KGIC")
 * UART    the PL011 ({@link dev.kvm4j.vmm.device.Pl011.State})
 * VIRT    version 2, one per virtio device in slot order ({@link VirtioSnapshot}): u32 slot | u32 device id
 *         | u32 n, n bytes UTF-8 disk path (n = 0: no file) | u64 disk bytes | u8 read-only
 *         | transport: u32 status, device/driver features select, queue select | u64 driver features
 *         | u32 interrupt status, config generation | u8 needs reset
 *         | u32 q, q × (u32 size | u8 ready | u64 descriptor, driver, device ring addresses | u16 last avail idx | u16 used idx)
 * RAM     u64 guest base | u64 size | u32 page size | bitmap, one bit per page (LSB first), set = page stored
 *         | the stored pages in address order: a page of zeros costs one bit
 * END     empty, last: a file without it was cut short
 * </pre>
 * Registers are stored by id and size, as the kernel lists them, so the format needs no table of registers:
 * a newer kernel's registers travel as well. A restore refuses a file whose list differs from the host's.
 */
public final class SnapshotFormat {
    private SnapshotFormat() {}

    /** The file's first 8 bytes, "KVM4JSNP". */
    public static final byte[] MAGIC = "KVM4JSNP".getBytes(StandardCharsets.US_ASCII);
    /** The newest version written and read; {@link #VERSION_NO_VIRTIO} is written when there is no VIRT section. */
    public static final int VERSION = 2, VERSION_NO_VIRTIO = 1;
    /** What {@code kvm4j --version} says; written into the human-readable header. */
    public static final String KVM4J_VERSION = "0.1.0";

    /** The section tags (see the format above). */
    public static final int HEAD = tag("HEAD"), CONF = tag("CONF"), VCPU = tag("VCPU"), VGIC = tag("VGIC"),
            UART = tag("UART"), VIRT = tag("VIRT"), RAM = tag("RAM "), END = tag("END ");

    /** Bytes of magic and version; bytes of a section's tag, length and checksum. */
    public static final int FILE_HEADER_BYTES = 12, SECTION_HEADER_BYTES = 16;
    /** Any section but RAM is small: far above 512 vCPUs' registers and a full vGIC, far below what hurts. */
    public static final long MAX_SMALL_SECTION = 64L << 20;
    /** The RAM section's page size: the unit of its bitmap. */
    public static final int PAGE_SIZE = 4096;

    /**
     * A section tag from its name.
     *
     * @param name exactly 4 ASCII characters
     * @return the characters as a big-endian u32
     * @throws IllegalArgumentException when {@code name} is not 4 ASCII characters
     */
    public static int tag(String name) {
        byte[] b = name.getBytes(StandardCharsets.US_ASCII);
        if (b.length != 4) throw new IllegalArgumentException("a section tag is 4 ASCII characters: " + name);
        return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
    }

    /**
     * The tag as its 4 characters (unprintable bytes as '?'), for messages.
     *
     * @param tag a section tag, possibly read from an untrusted file
     * @return its characters, trailing spaces stripped
     */
    public static String tagName(int tag) {
        StringBuilder sb = new StringBuilder();
        for (int shift = 24; shift >= 0; shift -= 8) {
            int c = tag >>> shift & 0xff;
            sb.append(c >= 0x20 && c < 0x7f ? (char) c : '?');
        }
        return sb.toString().strip();
    }

    /**
     * Whether this kvm4j knows the section.
     *
     * @param tag a section tag
     * @return true for HEAD, CONF, VCPU, VGIC, UART, VIRT, RAM and END
     */
    public static boolean known(int tag) {
        return tag == HEAD || tag == CONF || tag == VCPU || tag == VGIC || tag == UART || tag == VIRT || tag == RAM || tag == END;
    }
}
