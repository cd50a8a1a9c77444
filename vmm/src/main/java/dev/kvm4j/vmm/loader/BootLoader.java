package dev.kvm4j.vmm.loader;

import dev.kvm4j.kvm.GuestMemory;
import dev.kvm4j.vmm.GuestRange;
import dev.kvm4j.vmm.Layout;
import dev.kvm4j.vmm.Sizes;

import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Function;

import static dev.kvm4j.vmm.loader.LoadException.Problem.TOO_BIG;

/**
 * Loads a guest: opens and checks every file, reads each once straight into guest RAM at its place, then
 * builds the device tree for that placement and writes it. Guest RAM needs no VM (an anonymous mapping),
 * so every problem with the user's files surfaces as a {@link LoadException} before /dev/kvm is opened.
 */
public final class BootLoader {
    private BootLoader() {}

    /**
     * Opens both files (so a missing initrd is reported before a large kernel is read), loads the kernel
     * at its address, plans the rest, and reads the initrd right below the device tree's slot.
     *
     * @param kernelFile the kernel
     * @param initrdFile the initrd, if any
     * @param aarch32 the kernel is a 32-bit {@code zImage}
     * @param ram guest RAM (no VM needed)
     * @return the files as placed
     * @throws LoadException when a file is wrong or does not fit, naming it and the limit
     */
    public static BootFiles read(Path kernelFile, Optional<Path> initrdFile, boolean aarch32, GuestMemory ram) {
        GuestRange ramRange = new GuestRange(ram.base(), ram.size());
        try (BootFile kernelIn = BootFile.open("kernel", kernelFile, ram.size());
             BootFile initrdIn = initrdFile.map(f -> BootFile.open("initrd", f, ram.size())).orElse(null)) {
            KernelImage kernel = KernelLoader.load(kernelIn, aarch32, ram);
            Placement place = Placement.plan(kernel, initrdFile, initrdIn == null ? 0 : initrdIn.size(), ramRange);
            place.initrd().ifPresent(r -> initrdIn.read(0, ram.slice(r.start(), r.size())));
            return new BootFiles(ram, kernel, initrdFile, place);
        }
    }

    /**
     * {@link #read} then {@link #load(BootFiles, GuestMemory, Function)}.
     *
     * @param kernelFile the kernel
     * @param initrdFile the initrd, if any
     * @param aarch32 the kernel is a 32-bit {@code zImage}
     * @param ram guest RAM
     * @param deviceTree builds the DTB given where the initrd went (the tree's /chosen names it)
     * @return the boot plan
     * @throws LoadException when a file is wrong or does not fit
     */
    public static BootPlan load(Path kernelFile, Optional<Path> initrdFile, boolean aarch32, GuestMemory ram,
                                Function<Optional<GuestRange>, byte[]> deviceTree) {
        return load(read(kernelFile, initrdFile, aarch32, ram), ram, deviceTree);
    }

    /**
     * Builds the device tree for files already in {@code ram} and writes it to its slot.
     *
     * @param files the files, in {@code ram}
     * @param ram guest RAM
     * @param deviceTree builds the DTB given where the initrd went
     * @return the boot plan
     * @throws LoadException when the device tree is larger than its 2 MiB slot
     * @throws IllegalArgumentException if the files were read into another RAM
     */
    public static BootPlan load(BootFiles files, GuestMemory ram, Function<Optional<GuestRange>, byte[]> deviceTree) {
        if (files.ram() != ram) throw new IllegalArgumentException("the boot files were read into another guest RAM");
        KernelImage kernel = files.kernel();
        Placement place = files.placement();
        byte[] dtb = deviceTree.apply(place.initrd());
        if (dtb.length > Layout.DTB_MAX_SIZE) {
            throw new LoadException("device tree", null, TOO_BIG, "is " + Sizes.format(dtb.length)
                    + ", larger than the " + Sizes.format(Layout.DTB_MAX_SIZE) + " a kernel accepts (is --append very long?)");
        }
        long dtbAddress = place.dtbSlot().start();
        ram.write(dtbAddress, dtb);

        long entry = place.kernel().start();
        BootRegisters registers = kernel.state() == ExecutionState.AARCH64
                ? BootRegisters.arm64(entry, dtbAddress)
                : BootRegisters.aarch32(entry, dtbAddress);
        return new BootPlan(kernel.state(), registers, place.kernel(), place.initrd(), new GuestRange(dtbAddress, dtb.length), dtb);
    }
}
