package dev.kvm4j.vmm.loader;

/**
 * The boot vCPU's registers at the first instruction, as the boot protocols ask. x0..x3 are r0..r3 for
 * an AArch32 guest (KVM maps them onto the same core registers). The rest of the state (EL1h or SVC
 * mode, interrupts masked, MMU and caches off, A32 not Thumb) is the vCPU layer's to set.
 *
 * @param pc the entry point
 * @param x0 x0 (r0)
 * @param x1 x1 (r1)
 * @param x2 x2 (r2)
 * @param x3 x3 (r3)
 */
public record BootRegisters(long pc, long x0, long x1, long x2, long x3) {

    /**
     * booting.rst (arm64): x0 = DTB address, x1..x3 = 0.
     *
     * @param entry the kernel's entry point
     * @param dtb the device tree's guest physical address
     * @return the registers
     */
    public static BootRegisters arm64(long entry, long dtb) {
        return new BootRegisters(entry, dtb, 0, 0, 0);
    }

    /**
     * arm/booting.rst: r0 = 0, r1 = machine type (~0: "none, use the DT"), r2 = DTB address.
     *
     * @param entry the zImage's entry point
     * @param dtb the device tree's guest physical address
     * @return the registers
     */
    public static BootRegisters aarch32(long entry, long dtb) {
        return new BootRegisters(entry, 0, 0xffff_ffffL, dtb, 0);
    }

    /**
     * General register {@code n} (0..3).
     *
     * @param n 0 to 3
     * @return its value
     */
    public long gpr(int n) {
        return switch (n) {
            case 0 -> x0;
            case 1 -> x1;
            case 2 -> x2;
            case 3 -> x3;
            default -> throw new IllegalArgumentException("boot sets only x0..x3, not x" + n);
        };
    }
}
