package dev.kvm4j.vmm;

import dev.kvm4j.arm.gic.GicAbi;
import dev.kvm4j.arm.gic.GicVersion;

/**
 * The guest physical memory map of the kvm4j machine, in one place. It follows QEMU's {@code virt}
 * board so that addresses people know from it (UART at 0x0900_0000, RAM at 1 GiB) mean the same here:
 * everything below RAM is MMIO, RAM starts at 1 GiB and grows up.
 *
 * <pre>
 *   0x0800_0000  GIC distributor            (64 KiB)
 *   0x0801_0000  GICv2 CPU interface        (64 KiB slot; KVM maps 8 KiB)
 *   0x080A_0000  GICv3 redistributors       (128 KiB per vCPU, up to 0x0900_0000)
 *   0x0900_0000  PL011 UART                 (4 KiB, SPI 1)
 *   0x0a00_0000  virtio-mmio slots          (0x200 each, 32 slots, SPI 16 + slot)
 *   0x4000_0000  RAM                        (--memory)
 * </pre>
 */
public final class Layout {
    private Layout() {}

    /** Binary size units. */
    public static final long KIB = 1024, MIB = 1024 * KIB, GIB = 1024 * MIB;
    /** The page size kvm4j maps and aligns to. */
    public static final long PAGE_SIZE = 4 * KIB;

    // --- Interrupt controller -------------------------------------------------------------------
    /** The GIC distributor, either version. */
    public static final long GIC_DIST_BASE = 0x0800_0000L;
    /** GICv3 distributor frame; the GICv2 distributor is only 4 KiB but gets the same slot. */
    public static final long GIC_V3_DIST_SIZE = GicAbi.KVM_VGIC_V3_DIST_SIZE;
    /** GICv2 distributor frame. */
    public static final long GIC_V2_DIST_SIZE = GicAbi.KVM_VGIC_V2_DIST_SIZE;
    /** The GICv2 CPU interface. */
    public static final long GIC_V2_CPU_BASE = 0x0801_0000L;
    /** What KVM emulates for the GICv2 CPU interface (two 4 KiB pages: GICC and its alias for EOImode). */
    public static final long GIC_V2_CPU_SIZE = GicAbi.KVM_VGIC_V2_CPU_SIZE;
    /** The GICv3 redistributors: vCPU n at base + n × 128 KiB. */
    public static final long GIC_V3_REDIST_BASE = 0x080A_0000L;
    /** One redistributor = RD_base frame + SGI_base frame, 64 KiB each. */
    public static final long GIC_V3_REDIST_SIZE_PER_CPU = GicAbi.KVM_VGIC_V3_REDIST_SIZE;
    /** The redistributors must end where the UART starts. */
    public static final long GIC_V3_REDIST_LIMIT = 0x0900_0000L;
    /** GICv2 target lists are 8 bits wide. */
    public static final int GIC_V2_MAX_CPUS = 8;
    /** The redistributors that fit between their base and the UART. */
    public static final int GIC_V3_MAX_CPUS = (int) ((GIC_V3_REDIST_LIMIT - GIC_V3_REDIST_BASE) / GIC_V3_REDIST_SIZE_PER_CPU);

    /** SPI n is GIC interrupt id 32 + n; PPI n is id 16 + n. Device trees name SPIs and PPIs by n. */
    public static final int SPI_INTID_BASE = 32;
    /** PPI n is GIC interrupt id 16 + n. */
    public static final int PPI_INTID_BASE = 16;

    // --- Architected timer PPIs (device-tree numbering, as on every Arm board) -----------------
    /** The secure physical timer's PPI. */
    public static final int TIMER_PPI_SECURE_PHYS = 13;
    /** The non-secure physical timer's PPI. */
    public static final int TIMER_PPI_NONSECURE_PHYS = 14;
    /** The virtual timer's PPI (the one a guest kernel uses). */
    public static final int TIMER_PPI_VIRT = 11;
    /** The hypervisor timer's PPI. */
    public static final int TIMER_PPI_HYP = 10;

    // --- Console -------------------------------------------------------------------------------
    /** The PL011 UART. */
    public static final long UART_BASE = 0x0900_0000L;
    /** Its register window. */
    public static final long UART_SIZE = 0x1000L;
    /** Its interrupt, as an SPI number. */
    public static final int UART_SPI = 1;
    /** Its interrupt, as a GIC interrupt id. */
    public static final int UART_INTID = SPI_INTID_BASE + UART_SPI;
    /** The PL011's reference clock, as on QEMU virt: Linux derives baud divisors from it. */
    public static final int UART_CLOCK_HZ = 24_000_000;

    // --- virtio-mmio devices: a window of slots, as on QEMU virt ---------------------------------
    /** The first virtio-mmio slot. */
    public static final long VIRTIO_MMIO_BASE = 0x0a00_0000L;
    /** The register window of each slot. */
    public static final long VIRTIO_MMIO_SLOT_SIZE = 0x200L;
    /** How many slots there are. */
    public static final int VIRTIO_MMIO_SLOTS = 32;
    /** Slot n interrupts on SPI 16 + n (QEMU virt's numbering): after the UART's, inside the 64 SPIs the vGIC has. */
    public static final int VIRTIO_MMIO_FIRST_SPI = 16;

    /**
     * The register window of virtio-mmio slot {@code n}.
     *
     * @param n the slot, from 0
     * @return its range
     * @throws ConfigException beyond the last slot
     */
    public static GuestRange virtioSlot(int n) {
        if (n < 0 || n >= VIRTIO_MMIO_SLOTS) throw new ConfigException("at most " + VIRTIO_MMIO_SLOTS + " virtio devices fit the memory map, not " + (n + 1));
        return new GuestRange(VIRTIO_MMIO_BASE + n * VIRTIO_MMIO_SLOT_SIZE, VIRTIO_MMIO_SLOT_SIZE);
    }

    /**
     * The SPI (= KVM GSI) of virtio-mmio slot {@code n}.
     *
     * @param n the slot, from 0
     * @return its SPI
     * @throws ConfigException beyond the last slot
     */
    public static int virtioSpi(int n) {
        virtioSlot(n);
        return VIRTIO_MMIO_FIRST_SPI + n;
    }

    // --- RAM and what the loaders put into it ------------------------------------------------
    /** Guest RAM starts at 1 GiB. */
    public static final long RAM_BASE = 0x4000_0000L;
    /** KVM's default IPA space is 40 bits; RAM must end inside it. */
    public static final long RAM_END_LIMIT_AARCH64 = 1L << 40;
    /** A non-LPAE 32-bit kernel can address only the low 4 GiB. */
    public static final long RAM_END_LIMIT_AARCH32 = 1L << 32;
    /** The least RAM a machine may have. */
    public static final long RAM_MIN_SIZE = 16 * MIB;

    /** booting.rst (arm64): the Image goes text_offset bytes above a 2 MiB aligned base. */
    public static final long ARM64_KERNEL_ALIGN = 2 * MIB;
    /** booting.rst (arm64): an Image with image_size 0 predates the field and assumes this offset. */
    public static final long ARM64_LEGACY_TEXT_OFFSET = 0x8_0000L;
    /**
     * Where a zImage goes: inside the first 128 MiB (the decompressor puts the kernel at the 128 MiB
     * aligned base of where it runs + 0x8000) but high enough that a kernel up to ~32 MiB decompresses
     * below it without the decompressor first moving itself.
     */
    public static final long ZIMAGE_OFFSET = 32 * MIB;
    /** arm/booting.rst: the decompressed 32-bit kernel lands at RAM base + TEXT_OFFSET. */
    public static final long AARCH32_TEXT_OFFSET = 0x8000L;
    /**
     * A 32-bit kernel must find the DTB and initrd in its low-memory mapping (~760 MiB with the 3G/1G
     * split); staying under 512 MiB leaves margin for vmalloc= on the command line.
     */
    public static final long AARCH32_LOWMEM_LIMIT = 512 * MIB;

    /** booting.rst (arm64): the DTB must not exceed 2 MiB; it gets a 2 MiB aligned slot of its own. */
    public static final long DTB_MAX_SIZE = 2 * MIB;
    /** The alignment of the DTB's slot. */
    public static final long DTB_ALIGN = 2 * MIB;

    /**
     * Size of the GICv3 redistributor region for {@code cpus} vCPUs.
     *
     * @param cpus the number of vCPUs
     * @return the size in bytes
     */
    public static long gicV3RedistSize(int cpus) {
        return cpus * GIC_V3_REDIST_SIZE_PER_CPU;
    }

    /**
     * One past the highest RAM address a guest of this kind can use.
     *
     * @param aarch32 a 32-bit guest
     * @return the limit
     */
    public static long ramEndLimit(boolean aarch32) {
        return aarch32 ? RAM_END_LIMIT_AARCH32 : RAM_END_LIMIT_AARCH64;
    }

    /**
     * The MPIDR affinity KVM gives vCPU {@code index} (Aff0 = low 4 bits, Aff1 = the next 8): the
     * device tree's cpu {@code reg} must match it or Linux cannot bring the CPU up through PSCI.
     *
     * @param index the vCPU index
     * @return its affinity
     */
    public static long mpidr(int index) {
        return ((long) (index >> 4) & 0xff) << 8 | (index & 0xf);
    }

    /**
     * The most vCPUs this machine's memory map gives room for with {@code gic} (its redistributor window).
     *
     * @param gic V2, or anything else for V3's limit
     * @return the limit
     */
    public static int maxCpus(GicVersion gic) {
        return gic == GicVersion.V2 ? GIC_V2_MAX_CPUS : GIC_V3_MAX_CPUS;
    }

    /**
     * "GICv2" / "GICv3", as messages and the device tree's comments name them.
     *
     * @param gic the version
     * @return its name
     */
    public static String gicName(GicVersion gic) {
        return "GIC" + gic.name().toLowerCase(java.util.Locale.ROOT);
    }
}
