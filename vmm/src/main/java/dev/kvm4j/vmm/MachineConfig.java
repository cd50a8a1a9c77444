package dev.kvm4j.vmm;

import dev.kvm4j.arm.gic.GicVersion;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything the user chose about the machine, checked on construction so that a config that exists
 * is one the machine can be built from (files are checked later, by the loaders).
 *
 * @param kernel   empty: boot the project's default guest
 * @param initrd   the initramfs, if any
 * @param append   the kernel command line
 * @param cpus     the number of vCPUs
 * @param memory   guest RAM in bytes
 * @param gic      empty: "auto", the runner picks what KVM offers (v3 first)
 * @param aarch32  the kernel is a 32-bit ARM {@code zImage}, run at EL1 in AArch32
 * @param timings  print the boot timeline at the end
 * @param verbose  show details and stack traces with errors
 * @param dumpDtb  write the device tree there and stop instead of booting
 * @param check    judge the options and files (the device tree included) and stop: no VM, no /dev/kvm, no output
 * @param noReboot a guest's reboot (PSCI SYSTEM_RESET) ends kvm4j instead of booting the machine again
 * @param control  a Unix socket to listen on for pause, resume, snapshot FILE and quit
 * @param disks    virtio disks, vda first
 * @param rng      a virtio-rng device (after the disks)
 */
public record MachineConfig(Optional<Path> kernel, Optional<Path> initrd, String append, int cpus, long memory,
                            Optional<GicVersion> gic, boolean aarch32, Optional<Path> dumpDtb,
                            boolean timings, boolean verbose, boolean check, boolean noReboot, Optional<Path> control,
                            List<DiskOption> disks, boolean rng) {

    /** The kernel command line when none is given: the console on the PL011. */
    public static final String DEFAULT_APPEND = "console=ttyAMA0";
    /** vCPUs when none are asked for. */
    public static final int DEFAULT_CPUS = 1;
    /** Guest RAM when none is asked for: 512 MiB. */
    public static final long DEFAULT_MEMORY = 512 * Layout.MIB;

    /**
     * A config, checked: vCPUs, memory and command line within the machine's limits, and no more virtio devices
     * than slots.
     *
     * @throws ConfigException naming the option that is out of range and the range
     */
    public MachineConfig {
        Objects.requireNonNull(kernel);
        Objects.requireNonNull(initrd);
        Objects.requireNonNull(append);
        Objects.requireNonNull(gic);
        Objects.requireNonNull(dumpDtb);
        Objects.requireNonNull(control);
        disks = List.copyOf(disks);
        if (disks.size() + (rng ? 1 : 0) > Layout.VIRTIO_MMIO_SLOTS) {
            throw new ConfigException(disks.size() + " disks" + (rng ? " and --rng" : "") + " are more virtio devices than the "
                    + Layout.VIRTIO_MMIO_SLOTS + " slots of the memory map");
        }
        checkCpus(cpus, gic);
        checkMemory(memory, aarch32);
        checkAppend(append, aarch32);
    }

    /**
     * The same machine with other boot files and command line (the default guest's, say).
     *
     * @param kernel the kernel
     * @param initrd the initramfs, if any
     * @param append the kernel command line
     * @return the new config
     */
    public MachineConfig withGuest(Path kernel, Optional<Path> initrd, String append) {
        return new MachineConfig(Optional.of(kernel), initrd, append, cpus, memory, gic, aarch32, dumpDtb, timings, verbose, check, noReboot, control, disks, rng);
    }

    /** {@return guest RAM as placed in the memory map} */
    public GuestRange ram() {
        return new GuestRange(Layout.RAM_BASE, memory);
    }

    /** {@return a builder with the command line's defaults} */
    public static Builder builder() {
        return new Builder();
    }

    private static void checkCpus(int cpus, Optional<GicVersion> gic) {
        int max = Layout.maxCpus(gic.orElse(GicVersion.V3));
        if (cpus < 1 || cpus > max) {
            throw new ConfigException("--cpus " + cpus + " is out of range: the machine takes 1 to " + max + " vCPUs"
                    + gic.map(g -> " with a " + Layout.gicName(g)).orElse(""));
        }
    }

    private static void checkMemory(long memory, boolean aarch32) {
        String given = "--memory " + Sizes.format(memory);
        if (memory < Layout.RAM_MIN_SIZE) {
            throw new ConfigException(given + " is too small: at least " + Sizes.format(Layout.RAM_MIN_SIZE) + " is needed to boot Linux");
        }
        if (memory % Layout.PAGE_SIZE != 0) {
            throw new ConfigException(given + " (" + memory + " bytes) is not a multiple of 4 KiB");
        }
        long limit = Layout.ramEndLimit(aarch32) - Layout.RAM_BASE;
        if (memory > limit) {
            throw new ConfigException(given + " is too large" + (aarch32 ? " for a 32-bit guest" : "") + ": RAM starts at "
                    + Sizes.format(Layout.RAM_BASE) + " and must end by " + Sizes.format(Layout.ramEndLimit(aarch32))
                    + ", so at most " + Sizes.format(limit));
        }
    }

    /** The kernel's COMMAND_LINE_SIZE (2048 on arm64, 1024 on arm) includes the terminating NUL. */
    private static void checkAppend(String append, boolean aarch32) {
        int max = aarch32 ? 1023 : 2047;
        int length = append.getBytes(StandardCharsets.UTF_8).length;
        if (length > max) {
            throw new ConfigException("--append is " + length + " bytes; the " + (aarch32 ? "32-bit" : "arm64")
                    + " kernel keeps at most " + max + " (COMMAND_LINE_SIZE)");
        }
        if (append.indexOf('\0') >= 0) throw new ConfigException("--append contains a NUL character");
    }

    /** Starts from the command line's defaults. */
    public static final class Builder {
        private Path kernel, initrd, dumpDtb, control;
        private String append = DEFAULT_APPEND;
        private int cpus = DEFAULT_CPUS;
        private long memory = DEFAULT_MEMORY;
        private GicVersion gic;
        private boolean aarch32, timings, verbose, check, noReboot, rng;
        private final List<DiskOption> disks = new ArrayList<>();

        /** A builder with the command line's defaults. */
        public Builder() {}

        /**
         * Sets the kernel.
         *
         * @param p an arm64 {@code Image} (plain or gzip) or, with {@link #aarch32}, a {@code zImage}
         * @return this builder
         */
        public Builder kernel(Path p) { kernel = p; return this; }
        /**
         * Sets the initramfs.
         *
         * @param p the file
         * @return this builder
         */
        public Builder initrd(Path p) { initrd = p; return this; }
        /**
         * Sets the kernel command line.
         *
         * @param s the command line
         * @return this builder
         */
        public Builder append(String s) { append = s; return this; }
        /**
         * Sets the number of vCPUs.
         *
         * @param n vCPUs
         * @return this builder
         */
        public Builder cpus(int n) { cpus = n; return this; }
        /**
         * Sets the size of guest RAM.
         *
         * @param bytes the size
         * @return this builder
         */
        public Builder memory(long bytes) { memory = bytes; return this; }
        /**
         * Sets the vGIC version.
         *
         * @param g V2, V3, or AUTO (the same as not setting it)
         * @return this builder
         */
        public Builder gic(GicVersion g) { gic = g; return this; }
        /**
         * Boots a 32-bit ARM kernel at EL1 in AArch32.
         *
         * @param b whether to
         * @return this builder
         */
        public Builder aarch32(boolean b) { aarch32 = b; return this; }
        /**
         * Writes the device tree to a file and stops instead of booting.
         *
         * @param p the file
         * @return this builder
         */
        public Builder dumpDtb(Path p) { dumpDtb = p; return this; }
        /**
         * Prints the boot timeline at the end.
         *
         * @param b whether to
         * @return this builder
         */
        public Builder timings(boolean b) { timings = b; return this; }
        /**
         * Shows details and stack traces with errors.
         *
         * @param b whether to
         * @return this builder
         */
        public Builder verbose(boolean b) { verbose = b; return this; }
        /**
         * Judges the options and files and stops: no VM, no {@code /dev/kvm}.
         *
         * @param b whether to
         * @return this builder
         */
        public Builder check(boolean b) { check = b; return this; }
        /**
         * Ends the run at a guest reboot instead of booting again.
         *
         * @param b whether to
         * @return this builder
         */
        public Builder noReboot(boolean b) { noReboot = b; return this; }
        /**
         * Listens for control commands on a Unix socket.
         *
         * @param p the socket's path
         * @return this builder
         */
        public Builder control(Path p) { control = p; return this; }
        /**
         * Adds a virtio disk (vda, vdb ... in the order added).
         *
         * @param d the disk
         * @return this builder
         */
        public Builder disk(DiskOption d) { disks.add(d); return this; }
        /**
         * Adds virtio disks, in order.
         *
         * @param ds the disks
         * @return this builder
         */
        public Builder disks(List<DiskOption> ds) { disks.addAll(ds); return this; }
        /**
         * Adds a virtio-rng device.
         *
         * @param b whether to
         * @return this builder
         */
        public Builder rng(boolean b) { rng = b; return this; }

        /**
         * The config, checked.
         *
         * @return the config
         * @throws ConfigException naming the option that is out of range and the range
         */
        public MachineConfig build() {
            return new MachineConfig(Optional.ofNullable(kernel), Optional.ofNullable(initrd), append, cpus, memory,
                    Optional.ofNullable(gic), aarch32, Optional.ofNullable(dumpDtb), timings, verbose, check, noReboot,
                    Optional.ofNullable(control), disks, rng);
        }
    }
}
