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
 * Loads a guest: reads and checks every file first, decides placement, builds the device tree for that
 * placement, and only then writes guest RAM. Any problem surfaces as a {@link LoadException} before a
 * byte is written or a VM exists.
 */
public final class BootLoader {
    private BootLoader() {}

    /**
     * Reads and checks the kernel and initrd and plans where they go in RAM of {@code ramSize} bytes: every
     * problem with the user's files surfaces here, before a VM (or even /dev/kvm) is touched.
     */
    public static BootFiles read(Path kernelFile, Optional<Path> initrdFile, boolean aarch32, long ramSize) {
        KernelImage kernel = KernelLoader.read(kernelFile, aarch32, ramSize);
        long initrdSize = initrdFile.map(f -> ImageFile.size("initrd", f, ramSize)).orElse(0L);
        Placement.plan(kernel, initrdFile, initrdSize, new GuestRange(Layout.RAM_BASE, ramSize));
        byte[] initrd = initrdFile.map(f -> ImageFile.read("initrd", f, ramSize)).orElse(new byte[0]);
        if (initrd.length != initrdSize) {
            throw new LoadException("initrd", initrdFile.get(), LoadException.Problem.UNREADABLE, "changed while being read");
        }
        return new BootFiles(kernel, initrdFile, initrd);
    }

    /**
     * @param deviceTree builds the DTB given where the initrd went (the tree's /chosen names it)
     */
    public static BootPlan load(Path kernelFile, Optional<Path> initrdFile, boolean aarch32, GuestMemory ram,
                                Function<Optional<GuestRange>, byte[]> deviceTree) {
        return load(read(kernelFile, initrdFile, aarch32, ram.size()), ram, deviceTree);
    }

    /** Places files already read and checked, builds the device tree for that placement, writes RAM. */
    public static BootPlan load(BootFiles files, GuestMemory ram, Function<Optional<GuestRange>, byte[]> deviceTree) {
        GuestRange ramRange = new GuestRange(ram.base(), ram.size());
        KernelImage kernel = files.kernel();
        byte[] initrd = files.initrd();
        Placement place = Placement.plan(kernel, files.initrdFile(), initrd.length, ramRange);
        byte[] dtb = deviceTree.apply(place.initrd());
        if (dtb.length > Layout.DTB_MAX_SIZE) {
            throw new LoadException("device tree", null, TOO_BIG, "is " + Sizes.format(dtb.length)
                    + ", larger than the " + Sizes.format(Layout.DTB_MAX_SIZE) + " a kernel accepts (is --append very long?)");
        }

        ram.write(place.kernel().start(), kernel.payload());
        place.initrd().ifPresent(r -> ram.write(r.start(), initrd));
        long dtbAddress = place.dtbSlot().start();
        ram.write(dtbAddress, dtb);

        long entry = place.kernel().start();
        BootRegisters registers = kernel.state() == ExecutionState.AARCH64
                ? BootRegisters.arm64(entry, dtbAddress)
                : BootRegisters.aarch32(entry, dtbAddress);
        return new BootPlan(kernel.state(), registers, place.kernel(), place.initrd(), new GuestRange(dtbAddress, dtb.length), dtb);
    }
}
