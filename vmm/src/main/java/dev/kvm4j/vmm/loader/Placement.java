package dev.kvm4j.vmm.loader;

import dev.kvm4j.vmm.GuestRange;
import dev.kvm4j.vmm.Layout;
import dev.kvm4j.vmm.Sizes;

import java.nio.file.Path;
import java.util.Optional;

import static dev.kvm4j.vmm.loader.LoadException.Problem.DOES_NOT_FIT;

/**
 * Where kernel, initrd and DTB go. The kernel's place is fixed by its format; the DTB takes the highest
 * 2 MiB aligned slot the kernel can reach early (all RAM on arm64, the low-memory window on arm), and the
 * initrd sits right below it, page aligned, so that the rest of RAM stays one free block.
 *
 * @param kernel   the bytes copied: {@code [load, load + payload)}
 * @param reserved what the kernel uses while booting, from RAM base (decompression, bss)
 * @param initrd   where the initrd goes, if there is one
 * @param dtbSlot  2 MiB the device tree is written at the start of
 */
public record Placement(GuestRange kernel, GuestRange reserved, Optional<GuestRange> initrd, GuestRange dtbSlot) {

    /**
     * Plans where everything goes for a loaded kernel.
     *
     * @param k the kernel, already in RAM
     * @param initrdFile only for messages
     * @param initrdSize the initrd's size, 0 for none
     * @param ram guest RAM
     * @return the placement
     * @throws LoadException when something does not fit, naming the file and the limit
     * @throws IllegalArgumentException for a negative initrd size, or one larger than RAM
     */
    public static Placement plan(KernelImage k, Optional<Path> initrdFile, long initrdSize, GuestRange ram) {
        checkKernel(k, ram);
        long load = k.loadAddress(ram.start());
        GuestRange kernel = new GuestRange(load, k.payloadSize());
        long footprintEnd = k.footprintEnd(ram.start());
        if (initrdSize < 0 || initrdSize > ram.size()) throw new IllegalArgumentException("initrd size " + initrdSize);
        GuestRange reserved = GuestRange.of(ram.start(), align(footprintEnd, Layout.PAGE_SIZE));
        long windowEnd = k.state() == ExecutionState.AARCH32 ? Math.min(ram.end(), ram.start() + Layout.AARCH32_LOWMEM_LIMIT) : ram.end();
        long dtb = (windowEnd - Layout.DTB_MAX_SIZE) & -Layout.DTB_ALIGN;
        long initrdStart = (dtb - initrdSize) & -Layout.PAGE_SIZE;
        if (initrdStart < reserved.end()) {
            String role = initrdFile.isPresent() ? "initrd" : "kernel";
            Path file = initrdFile.orElse(k.file());
            String what = initrdFile.isPresent() ? "an initrd of " + Sizes.format(initrdSize) + " and " : "";
            throw new LoadException(role, file, DOES_NOT_FIT, String.format(
                    "does not fit: the kernel uses guest RAM up to 0x%x (%s from its start), leaving no room for %s"
                            + "the device tree's 2 MiB below 0x%x; guest RAM is %s %s%s; use a larger --memory",
                    reserved.end(), Sizes.format(reserved.size()), what, windowEnd, Sizes.format(ram.size()), ram,
                    windowEnd < ram.end() ? " (a 32-bit kernel needs them in its first " + Sizes.format(Layout.AARCH32_LOWMEM_LIMIT) + ")" : ""));
        }
        Optional<GuestRange> initrd = initrdSize > 0 ? Optional.of(new GuestRange(initrdStart, initrdSize)) : Optional.empty();
        return new Placement(kernel, reserved, initrd, new GuestRange(dtb, Layout.DTB_MAX_SIZE));
    }

    /** Refuses a kernel that would not lie, with what it uses while booting, inside RAM. */
    static void checkKernel(KernelImage k, GuestRange ram) {
        long load = k.loadAddress(ram.start());
        long footprintEnd = k.footprintEnd(ram.start());
        if (load < ram.start() || footprintEnd > ram.end()) {
            throw new LoadException("kernel", k.file(), DOES_NOT_FIT, String.format(
                    "needs guest RAM [0x%x, 0x%x) (%s) but guest RAM is %s %s; use a larger --memory",
                    load, footprintEnd, k.describeFootprint(), Sizes.format(ram.size()), ram));
        }
    }

    private static long align(long value, long alignment) {
        return (value + alignment - 1) & -alignment;
    }
}
