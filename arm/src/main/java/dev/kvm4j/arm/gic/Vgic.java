package dev.kvm4j.arm.gic;

import dev.kvm4j.kvm.Device;
import dev.kvm4j.kvm.KvmException;
import dev.kvm4j.kvm.Vcpu;
import dev.kvm4j.kvm.Vm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static dev.kvm4j.arm.gic.GicAbi.*;

/**
 * The VM's in-kernel interrupt controller. Setting one up takes three steps, in this order:
 * <ol>
 * <li>{@link #create} — any time after the VM exists (before or after its vCPUs);</li>
 * <li>{@link #setAddresses} — once the machine's memory map is final, so every frame is checked against
 *     everything else the guest sees (the seed registered device addresses at "machine init done" for the
 *     same reason);</li>
 * <li>{@link #initialise} — after every vCPU is created: the kernel sizes its per-vCPU state then, and
 *     refuses new vCPUs afterwards.</li>
 * </ol>
 * Only then does {@link #interrupts()} hand out interrupt lines. A step out of order is a
 * {@link GicException.WrongOrder} naming the missing step; the kernel itself would accept some of these and
 * fail only at the first KVM_RUN, far from the cause.
 */
public final class Vgic implements AutoCloseable {
    /** Private INTIDs (16 SGIs + 16 PPIs) that come before the first SPI. */
    public static final int PRIVATE_IRQS = 32;
    /** GRP_NR_IRQS bounds (INTIDs in all, private ones included): 32 SPIs at least, below INTID 1023. */
    public static final int MIN_NR_IRQS = 64, MAX_NR_IRQS = 992;

    enum Step { CREATED, ADDRESSED, INITIALISED }

    /** How the frame addresses reached the kernel. */
    enum AddressPath { DEVICE_ATTRIBUTE, LEGACY_VM_IOCTL }

    private final Vm vm;
    private final Device device;
    private final GicVersion version;
    private Step step = Step.CREATED;
    private GicLayout layout;
    private AddressPath addressPath;
    private Interrupts interrupts;

    private Vgic(Vm vm, Device device, GicVersion version) {
        this.vm = vm;
        this.device = device;
        this.version = version;
    }

    /**
     * The vGIC versions this host's KVM can create for {@code vm} (KVM_CREATE_DEVICE_TEST; creates nothing).
     *
     * @param vm the VM
     * @return V2, V3, both or neither
     */
    public static Set<GicVersion> offeredBy(Vm vm) {
        Set<GicVersion> offered = EnumSet.noneOf(GicVersion.class);
        for (GicVersion v : List.of(GicVersion.V2, GicVersion.V3)) {
            if (vm.supportsDevice(v.deviceType())) offered.add(v);
        }
        return offered;
    }

    /**
     * Creates the vGIC {@code requested}, or for AUTO v3 where the host offers it and v2 otherwise. A version
     * the host does not offer is a {@link GicException.VersionNotOffered} that says what it does offer.
     *
     * @param vm the VM, before or after its vCPUs exist
     * @param requested V2, V3 or AUTO
     * @return the vGIC, to place with {@link #setAddresses} and then {@link #initialise}
     * @throws GicException.VersionNotOffered if the host cannot create that version
     */
    public static Vgic create(Vm vm, GicVersion requested) {
        Set<GicVersion> offered = offeredBy(vm);
        GicVersion chosen = requested == GicVersion.AUTO
                ? (offered.contains(GicVersion.V3) ? GicVersion.V3 : GicVersion.V2)
                : requested;
        if (!offered.contains(chosen)) {
            throw new GicException.VersionNotOffered(requested, offered, notOfferedMessage(requested, offered));
        }
        return new Vgic(vm, vm.createDevice(chosen.deviceType()), chosen);
    }

    static String notOfferedMessage(GicVersion requested, Set<GicVersion> offered) {
        if (offered.isEmpty()) {
            return "this host's KVM offers no in-kernel vGIC (neither KVM_DEV_TYPE_ARM_VGIC_V2 nor _V3 can be created)";
        }
        GicVersion only = offered.iterator().next();
        // A host offers exactly the vGIC its own GIC can back: v2 only means a GICv2, v3 only a GICv3
        // without the v2 compatibility interface.
        String why = only == GicVersion.V2 ? "its own GIC is v2" : "its own GIC is v3 without GICv2 compatibility";
        return requested.label() + " requested, but this host offers " + only.label() + " only (" + why
                + "): use --gic " + only.name().toLowerCase(java.util.Locale.ROOT) + " or auto";
    }

    /** {@return the version created: never AUTO} */
    public GicVersion version() { return version; }

    /** {@return the kernel device, for the attribute groups this class does not cover (register save/restore)} */
    public Device device() { return device; }

    /**
     * Places the frames at {@code layout}, refusing any frame that overlaps another frame or one of the
     * {@code occupied} ranges (RAM, other devices' MMIO windows), or that is misaligned. Uses the device's
     * GRP_ADDR attributes, or on kernels without them the legacy {@code KVM_ARM_SET_DEVICE_ADDR} (v2 only).
     *
     * @param layout where the frames go, for this vGIC's version
     * @param occupied the machine's other ranges
     * @throws GicException.AddressConflict if a frame overlaps something
     * @throws GicException.BadAddress if a frame is misaligned or for the other version
     * @throws GicException.WrongOrder if called twice or after {@link #initialise}
     */
    public void setAddresses(GicLayout layout, List<AddressRange> occupied) {
        setAddresses(layout, occupied, null);
    }

    /** {@code forced}: a path to use regardless of what the kernel offers (tests), or null to choose. */
    void setAddresses(GicLayout layout, List<AddressRange> occupied, AddressPath forced) {
        if (step != Step.CREATED) {
            throw new GicException.WrongOrder(version.label() + " addresses are already set (" + this.layout.frames()
                    .stream().map(f -> f.range().toString()).toList() + "): the kernel takes each frame address once");
        }
        if (layout.version() != version) {
            throw new GicException.BadAddress("a " + layout.version().label() + " layout was given to a " + version.label());
        }
        checkPlacement(layout, occupied);
        AddressPath path = forced != null ? forced
                : device.hasAttribute(KVM_DEV_ARM_VGIC_GRP_ADDR, layout.frames().getFirst().addressType())
                ? AddressPath.DEVICE_ATTRIBUTE : AddressPath.LEGACY_VM_IOCTL;
        if (path == AddressPath.LEGACY_VM_IOCTL && version != GicVersion.V2) {
            throw new GicException.BadAddress("this kernel's " + version.label() + " takes no GRP_ADDR attributes, and the"
                    + " legacy KVM_ARM_SET_DEVICE_ADDR only serves vGICv2");
        }
        for (GicLayout.Frame f : layout.frames()) {
            try {
                if (path == AddressPath.DEVICE_ATTRIBUTE) {
                    device.setAttribute(KVM_DEV_ARM_VGIC_GRP_ADDR, f.addressType(), f.range().base());
                } else {
                    setLegacyAddress(f.addressType(), f.range().base());
                }
            } catch (KvmException.AlreadyExists e) {
                throw new GicException.WrongOrder(f.range() + ": the kernel already has an address for this frame", e);
            } catch (KvmException.TooBig e) {
                throw new GicException.BadAddress(f.range() + " lies beyond the VM's guest physical address size", e);
            }
        }
        this.layout = layout;
        this.addressPath = path;
        step = Step.ADDRESSED;
    }

    /** Alignment first (a kernel rule), then overlaps: between the frames, then with what is occupied. */
    static void checkPlacement(GicLayout layout, List<AddressRange> occupied) {
        List<GicLayout.Frame> frames = layout.frames();
        for (GicLayout.Frame f : frames) {
            if (Long.remainderUnsigned(f.range().base(), f.alignment()) != 0) {
                throw new GicException.BadAddress(String.format("%s is not aligned to 0x%x, as the kernel requires",
                        f.range(), f.alignment()));
            }
        }
        for (int i = 0; i < frames.size(); i++) {
            AddressRange a = frames.get(i).range();
            for (int j = i + 1; j < frames.size(); j++) {
                if (a.overlaps(frames.get(j).range())) throw new GicException.AddressConflict(a, frames.get(j).range());
            }
            for (AddressRange o : occupied) {
                if (a.overlaps(o)) throw new GicException.AddressConflict(a, o);
            }
        }
    }

    private void setLegacyAddress(int addressType, long base) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = arena.allocate(STRUCT_KVM_ARM_DEVICE_ADDR);
            a.set(ValueLayout.JAVA_LONG, 0, legacyDeviceId(addressType));
            a.set(ValueLayout.JAVA_LONG, 8, base);
            vm.ioctl("KVM_ARM_SET_DEVICE_ADDR", KVM_ARM_SET_DEVICE_ADDR, a);
        }
    }

    AddressPath addressPath() { return addressPath; }

    /**
     * Sets the number of interrupts ({@code nrIrqs} INTIDs in all, the 32 private ones included: a
     * multiple of 32 in [{@value #MIN_NR_IRQS}, {@value #MAX_NR_IRQS}]) and finishes the setup
     * (KVM_DEV_ARM_VGIC_CTRL_INIT). {@code vcpus} are the VM's vCPUs, all already created: the kernel
     * refuses vCPUs created after this call, and a v3 layout must have a redistributor for each.
     *
     * @param nrIrqs the number of INTIDs
     * @param vcpus every vCPU of the VM
     * @throws GicException.WrongOrder if the addresses are not set yet, no vCPU exists, or it is initialised already
     * @throws IllegalArgumentException for a count outside that range, or more vCPUs than the layout serves
     */
    public void initialise(int nrIrqs, List<Vcpu> vcpus) {
        if (step == Step.CREATED) {
            throw new GicException.WrongOrder(version.label() + " initialised before its addresses were set: call "
                    + "setAddresses(layout, occupied) once the memory map is final, then initialise");
        }
        if (step == Step.INITIALISED) throw new GicException.WrongOrder(version.label() + " is already initialised");
        if (nrIrqs < MIN_NR_IRQS || nrIrqs > MAX_NR_IRQS || nrIrqs % 32 != 0) {
            throw new IllegalArgumentException("nrIrqs " + nrIrqs + " must be a multiple of 32 in [" + MIN_NR_IRQS + ", "
                    + MAX_NR_IRQS + "] (the 32 private INTIDs plus the SPIs)");
        }
        if (vcpus.isEmpty()) {
            throw new GicException.WrongOrder(version.label() + " initialised before any vCPU was created: create every "
                    + "vCPU first, the kernel sizes the vGIC by them");
        }
        int capacity = layout instanceof GicLayout.V3 v3 ? v3.vcpus() : version.maxVcpus();
        if (vcpus.size() > capacity) {
            throw new IllegalArgumentException(vcpus.size() + " vCPUs, but the " + version.label() + " layout serves "
                    + capacity + (layout instanceof GicLayout.V3 ? ": size the redistributor region for all of them" : ""));
        }
        try (Arena arena = Arena.ofConfined()) {
            // The attribute is a u32, not the u64 of the address group: the kernel reads the buffer's first 4 bytes.
            MemorySegment n = arena.allocate(Device.MIN_VALUE_BYTES, 8);
            n.set(ValueLayout.JAVA_INT, 0, nrIrqs);
            device.setAttribute(KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, n);
            device.setAttribute(KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT);
        } catch (KvmException.Busy e) {
            throw new GicException.WrongOrder(version.label() + " could not be initialised: a vCPU is still being created, "
                    + "or the kernel already initialised the vGIC (a KVM_RUN or an injected interrupt before this call)", e);
        }
        interrupts = new Interrupts(vm, nrIrqs, vcpus.size());
        step = Step.INITIALISED;
    }

    /** {@return true once {@link #initialise} succeeded} */
    public boolean isInitialised() { return step == Step.INITIALISED; }

    /**
     * The interrupt lines of the initialised vGIC.
     *
     * @return the lines
     * @throws GicException.WrongOrder before {@link #initialise}
     */
    public Interrupts interrupts() {
        if (step != Step.INITIALISED) {
            throw new GicException.WrongOrder("no interrupt lines before " + version.label() + " is initialised "
                    + "(create → setAddresses → initialise)");
        }
        return interrupts;
    }

    /**
     * The frames as placed, for the device tree.
     *
     * @return the layout
     * @throws GicException.WrongOrder before {@link #setAddresses}
     */
    public GicLayout layout() {
        if (layout == null) throw new GicException.WrongOrder(version.label() + " has no addresses yet: call setAddresses first");
        return layout;
    }

    /** {@return the distributor's guest physical address, once placed} */
    public long distributorBase() { return layout().distributorBase(); }

    /** Closes the device's file descriptor; the vGIC itself lives as long as the VM. */
    @Override
    public void close() { device.close(); }

    @Override
    public String toString() { return version.label() + " (" + step.name().toLowerCase(java.util.Locale.ROOT) + ")"; }
}
