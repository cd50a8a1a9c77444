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
     * @param deviceTree builds the DTB given where the initrd went (the tree's /chosen names it)
     */
    public static BootPlan load(Path kernelFile, Optional<Path> initrdFile, boolean aarch32, GuestMemory ram,
                                Function<Optional<GuestRange>, byte[]> deviceTree) {
        GuestRange ramRange = new GuestRange(ram.base(), ram.size());
        KernelImage kernel = KernelLoader.read(kernelFile, aarch32, ram.size());
        long initrdSize = initrdFile.map(f -> ImageFile.size("initrd", f, ram.size())).orElse(0L);
        Placement place = Placement.plan(kernel, initrdFile, initrdSize, ramRange);
        byte[] initrd = initrdFile.map(f -> ImageFile.read("initrd", f, ram.size())).orElse(new byte[0]);
        if (initrd.length != initrdSize) {
            throw new LoadException("initrd", initrdFile.get(), LoadException.Problem.UNREADABLE, "changed while being read");
        }
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
