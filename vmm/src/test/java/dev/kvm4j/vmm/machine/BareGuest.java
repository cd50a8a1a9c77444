package dev.kvm4j.vmm.machine;

import dev.kvm4j.arm.gic.GicVersion;
import dev.kvm4j.vmm.MachineConfig;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The bare arm64 "kernel" of {@code pending-irq.S} (a 4 KiB Image; see that file for what it does) as a machine
 * config: 1 vCPU, the least RAM kvm4j gives, so a snapshot of it is a few pages.
 */
final class BareGuest {
    private BareGuest() {}

    /** INTID 75 is made pending by the guest itself, 76 is free for the host to raise (SPI 44). */
    static final int GUEST_PENDED = 75, HOST_RAISED = 76;
    static final long MEMORY = dev.kvm4j.vmm.Layout.RAM_MIN_SIZE;

    /** The guest built for {@code gic} (AUTO: for v3, to build a machine that never runs), written into {@code dir}. */
    static MachineConfig config(Path dir, GicVersion gic) throws IOException {
        String name = "pending-irq-gicv" + (gic == GicVersion.V2 ? 2 : 3) + ".bin";
        Path image = dir.resolve(name);
        try (InputStream in = BareGuest.class.getResourceAsStream(name)) {
            if (in == null) throw new IOException("test resource " + name + " is missing");
            Files.copy(in, image, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return MachineConfig.builder().kernel(image).cpus(1).memory(MEMORY).gic(gic).build();
    }

    /** What the IRQ handler prints for {@code intid}. */
    static String taken(int intid) { return "<" + (char) intid + ">"; }
}
