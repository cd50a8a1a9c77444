package dev.kvm4j.vmm.machine;

import dev.kvm4j.vmm.ConfigException;
import dev.kvm4j.vmm.MachineConfig;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code kvm4j run} without {@code --kernel}: the project's own guest, Debian's kernel plus a busybox
 * initramfs, found where ./kvm4j put it ({@code KVM4J_DEFAULT_GUEST}). With {@code KVM4J_INTERACTIVE=1}
 * (stdin is a terminal) the guest offers a shell instead of powering off.
 */
final class DefaultGuest {
    private DefaultGuest() {}

    static MachineConfig apply(MachineConfig c) {
        if (c.kernel().isPresent()) return c;
        String dir = System.getenv("KVM4J_DEFAULT_GUEST");
        if (dir == null) throw new ConfigException("no --kernel given, and no default guest here: run ./kvm4j run from "
                + "the kvm4j repository, which builds one, or name a kernel with --kernel");
        Path d = Path.of(dir);
        Path kernel = d.resolve(c.aarch32() ? "zImage-armhf" : "Image");
        Path initrd = d.resolve(c.aarch32() ? "initramfs-armhf.cpio.gz" : "initramfs-arm64.cpio.gz");
        if (!Files.isRegularFile(kernel) || !Files.isRegularFile(initrd)) {
            throw new ConfigException("the default guest in " + d + " lacks " + kernel.getFileName() + " or " + initrd.getFileName()
                    + (c.aarch32() ? " (the 32-bit guest needs the armhf packages; see guests/build)" : ""));
        }
        String append = c.append().equals(MachineConfig.DEFAULT_APPEND) ? "console=ttyAMA0 quiet" : c.append();
        if ("1".equals(System.getenv("KVM4J_INTERACTIVE")) && !append.contains("kvm4j.shell")) append += " kvm4j.shell";
        return c.withGuest(kernel, c.initrd().or(() -> java.util.Optional.of(initrd)), append);
    }
}
