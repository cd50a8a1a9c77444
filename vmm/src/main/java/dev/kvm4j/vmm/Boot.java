package dev.kvm4j.vmm;

import dev.kvm4j.arm.gic.GicVersion;

import dev.kvm4j.kvm.GuestMemory;
import dev.kvm4j.vmm.fdt.FdtOptions;
import dev.kvm4j.vmm.fdt.MachineFdt;
import dev.kvm4j.vmm.loader.BootFiles;
import dev.kvm4j.vmm.loader.BootLoader;
import dev.kvm4j.vmm.loader.BootPlan;

import java.nio.file.Path;
import java.security.SecureRandom;

/** Prepares guest RAM for a config: loaders plus the machine's device tree. No VM is needed for this. */
public final class Boot {
    private Boot() {}

    /** Linux mixes /chosen/rng-seed into its entropy pool at boot (and wipes it from the tree). */
    private static final int RNG_SEED_BYTES = 64;

    /**
     * Reads the config's boot files into {@code ram} and adds the device tree: everything but the VM.
     *
     * @param config the machine
     * @param gic the version the machine really has ("auto" resolved)
     * @param ram guest RAM of {@code config.memory()} bytes at {@link Layout#RAM_BASE}
     * @return where everything was placed, and the registers to boot with
     * @throws BadInputException when a file is wrong or does not fit
     */
    public static BootPlan prepare(MachineConfig config, GicVersion gic, GuestMemory ram) {
        return prepare(config, read(config, ram), gic, ram);
    }

    /**
     * Reads and checks the config's kernel and initrd, each once, straight into {@code ram} (which needs no
     * VM): the user's files are judged before /dev/kvm is opened.
     *
     * @param config the machine
     * @param ram guest RAM of {@code config.memory()} bytes at {@link Layout#RAM_BASE}
     * @return the files as placed
     * @throws BadInputException when a file is wrong or does not fit
     * @throws IllegalArgumentException if {@code ram} is not the config's
     */
    public static BootFiles read(MachineConfig config, GuestMemory ram) {
        Path kernel = config.kernel().orElseThrow(() -> new ConfigException("no --kernel given"));
        if (ram.base() != Layout.RAM_BASE || ram.size() != config.memory()) {
            throw new IllegalArgumentException("guest RAM " + Sizes.format(ram.size()) + " at 0x" + Long.toHexString(ram.base())
                    + " is not the config's " + Sizes.format(config.memory()) + " at 0x" + Long.toHexString(Layout.RAM_BASE));
        }
        return BootLoader.read(kernel, config.initrd(), config.aarch32(), ram);
    }

    /**
     * A config's boot files read into guest RAM of its own; whoever takes it closes the RAM.
     *
     * @param ram the RAM
     * @param files the files, in it
     */
    public record Loaded(GuestMemory ram, BootFiles files) {}

    /**
     * Maps the config's guest RAM and {@link #read reads} its files into it; the RAM is unmapped again if
     * they are refused. Needs no /dev/kvm.
     *
     * @param config the machine
     * @return the RAM and the files in it
     * @throws BadInputException when a file is wrong or does not fit
     */
    public static Loaded readIntoNewRam(MachineConfig config) {
        GuestMemory ram = GuestMemory.allocate(Layout.RAM_BASE, config.memory());
        try {
            return new Loaded(ram, read(config, ram));
        } catch (Throwable t) {
            ram.close();
            throw t;
        }
    }

    /**
     * Completes {@code files}, already in {@code ram}, with the device tree of a machine with {@code gic}.
     *
     * @param config the machine
     * @param files the boot files, in {@code ram}
     * @param gic the version the machine really has
     * @param ram guest RAM
     * @return the boot plan
     */
    public static BootPlan prepare(MachineConfig config, BootFiles files, GicVersion gic, GuestMemory ram) {
        return prepare(config, files, gic, ram, java.util.List.of());
    }

    /**
     * {@link #prepare(MachineConfig, BootFiles, GicVersion, GuestMemory)} for a machine with these virtio-mmio devices.
     *
     * @param config the machine
     * @param files the boot files, in {@code ram}
     * @param gic the version the machine really has
     * @param ram guest RAM
     * @param virtio the devices' device-tree nodes
     * @return the boot plan
     * @throws ConfigException for more vCPUs than a GICv2 serves
     */
    public static BootPlan prepare(MachineConfig config, BootFiles files, GicVersion gic, GuestMemory ram,
                                   java.util.List<dev.kvm4j.vmm.virtio.VirtioMmioNode> virtio) {
        if (gic == GicVersion.V2 && config.cpus() > Layout.maxCpus(GicVersion.V2)) {
            throw new ConfigException("--cpus " + config.cpus() + " needs a GICv3, and this machine's GIC is a GICv2 (at most "
                    + Layout.maxCpus(GicVersion.V2) + " vCPUs)");
        }
        FdtOptions fdt = fdtOptions(config, gic).withVirtio(virtio);
        return BootLoader.load(files, ram, initrd -> MachineFdt.build(initrd.map(fdt::withInitrd).orElse(fdt)));
    }

    /**
     * The device tree's content for a config: CPUs, memory, GIC, command line, a fresh RNG seed.
     *
     * @param config the machine
     * @param gic the version the machine really has
     * @return the options, without initrd or virtio devices yet
     */
    public static FdtOptions fdtOptions(MachineConfig config, GicVersion gic) {
        byte[] seed = new byte[RNG_SEED_BYTES];
        randomBytes(seed);
        return new FdtOptions(config.cpus(), config.memory(), gic, config.aarch32(), config.append()).withRngSeed(seed);
    }

    /**
     * The seed straight from the host kernel's pool: SecureRandom would load the JCA provider machinery,
     * seconds of start-up on a slow (emulated) host, for the same bytes.
     */
    private static void randomBytes(byte[] seed) {
        try (var in = java.nio.file.Files.newInputStream(java.nio.file.Path.of("/dev/urandom"))) {
            if (in.readNBytes(seed, 0, seed.length) == seed.length) return;
        } catch (java.io.IOException e) {
            // fall through to the JDK's generator
        }
        new SecureRandom().nextBytes(seed);
    }
}
