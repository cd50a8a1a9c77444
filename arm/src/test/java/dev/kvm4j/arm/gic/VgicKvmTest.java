package dev.kvm4j.arm.gic;

import dev.kvm4j.kvm.Kvm;
import dev.kvm4j.kvm.KvmException;
import dev.kvm4j.kvm.Vm;
import dev.kvm4j.kvm.testing.RealKvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.EnumSet;
import java.util.Set;

import static dev.kvm4j.arm.gic.GicAbi.*;
import static dev.kvm4j.arm.gic.GicTestGuest.*;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The vGIC's creation, placement and initialisation on real KVM (the emulated arm64 hosts). */
@RealKvm(arch = "aarch64")
class VgicKvmTest {

    private static Set<GicVersion> offered() {
        try (Kvm kvm = Kvm.open(); Vm vm = kvm.createVm()) {
            return Vgic.offeredBy(vm);
        }
    }

    @Test
    void autoPicksV3WhereOfferedElseV2() {
        Set<GicVersion> offered = offered();
        assertFalse(offered.isEmpty(), "this host offers no vGIC at all");
        try (var g = new GicTestGuest(GicVersion.AUTO, 1)) {
            assertEquals(offered.contains(GicVersion.V3) ? GicVersion.V3 : GicVersion.V2, g.vgic.version());
        }
    }

    @Test
    void theVersionTheHostOffersCanBeAskedForByName() {
        for (GicVersion v : offered()) {
            try (var g = new GicTestGuest(v, 1)) {
                assertEquals(v, g.vgic.version());
            }
        }
    }

    @Test
    void aVersionTheHostDoesNotOfferIsRefusedNamingWhatItOffers() {
        Set<GicVersion> missing = EnumSet.of(GicVersion.V2, GicVersion.V3);
        Set<GicVersion> offered = offered();
        missing.removeAll(offered);
        assumeTrue(!missing.isEmpty(), "this host offers both vGICv2 and vGICv3: nothing to refuse");
        GicVersion requested = missing.iterator().next();
        try (Kvm kvm = Kvm.open(); Vm vm = kvm.createVm()) {
            var e = assertThrows(GicException.VersionNotOffered.class, () -> Vgic.create(vm, requested));
            assertEquals(offered, e.offered());
            GicVersion only = offered.iterator().next();
            assertTrue(e.getMessage().contains("this host offers " + only.label() + " only"), e.getMessage());
            assertTrue(e.getMessage().contains("use --gic " + only.name().toLowerCase() + " or auto"), e.getMessage());
        }
    }

    @ParameterizedTest(name = "{0} vCPU(s)")
    @ValueSource(ints = {1, 2})
    void addressesAndInitialisationTakeEffectInTheKernel(int vcpus) {
        try (var g = new GicTestGuest(GicVersion.AUTO, vcpus).ready()) {
            assertTrue(g.vgic.isInitialised());
            assertEquals(Vgic.AddressPath.DEVICE_ATTRIBUTE, g.vgic.addressPath());
            for (GicLayout.Frame f : g.layout().frames()) {
                assertEquals(f.range().base(), g.vgic.device().getAttribute64(KVM_DEV_ARM_VGIC_GRP_ADDR, f.addressType()), f.range().name());
            }
            assertEquals(96, g.vgic.device().getAttribute32(KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0));
            assertEquals(64, g.vgic.interrupts().spiCount());
            // The order is the kernel's too: no vCPU may join an initialised vGIC.
            assertThrows(KvmException.class, () -> g.vm.createVcpu(vcpus).close());
        }
    }

    @Test
    void legacyVmIoctlPlacesVgicV2Frames() {
        assumeTrue(offered().contains(GicVersion.V2), "KVM_ARM_SET_DEVICE_ADDR serves vGICv2 only; this host has none");
        try (var g = new GicTestGuest(GicVersion.V2, 1)) {
            g.vgic.setAddresses(g.layout(), OCCUPIED, Vgic.AddressPath.LEGACY_VM_IOCTL);
            assertEquals(GICD, g.vgic.device().getAttribute64(KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V2_ADDR_TYPE_DIST));
            assertEquals(GICC, g.vgic.device().getAttribute64(KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V2_ADDR_TYPE_CPU));
            g.vgic.initialise(96, g.vcpus);
        }
    }

    @Test
    void legacyPathIsRefusedForVgicV3() {
        assumeTrue(offered().contains(GicVersion.V3), "this host has no vGICv3");
        try (var g = new GicTestGuest(GicVersion.V3, 1)) {
            var e = assertThrows(GicException.BadAddress.class,
                    () -> g.vgic.setAddresses(g.layout(), OCCUPIED, Vgic.AddressPath.LEGACY_VM_IOCTL));
            assertTrue(e.getMessage().contains("only serves vGICv2"), e.getMessage());
        }
    }

    @Test
    void aFrameOverlappingRamIsRefusedNamingBothAndNothingReachesTheKernel() {
        try (var g = new GicTestGuest(GicVersion.AUTO, 1)) {
            GicLayout onRam = GicLayout.of(g.vgic.version(), RAM_BASE + 0x10_0000, g.vgic.version() == GicVersion.V3 ? GICR : GICC, 1);
            var e = assertThrows(GicException.AddressConflict.class, () -> g.vgic.setAddresses(onRam, OCCUPIED));
            assertTrue(e.getMessage().contains("distributor [0x40100000, "), e.getMessage());
            assertTrue(e.getMessage().contains("RAM [0x40000000, 0x40200000)"), e.getMessage());
            // The kernel takes each address once: had the refused one reached it, this would be EEXIST.
            g.ready();
        }
    }

    @Test
    void framesOverlappingEachOtherAreRefusedNamingBoth() {
        try (var g = new GicTestGuest(GicVersion.AUTO, 2)) {
            GicLayout clash = GicLayout.of(g.vgic.version(), GICD, GICD, 2);
            var e = assertThrows(GicException.AddressConflict.class, () -> g.vgic.setAddresses(clash, OCCUPIED));
            assertTrue(e.getMessage().contains("distributor [0x8000000"), e.getMessage());
            assertTrue(e.getMessage().contains(g.vgic.version() == GicVersion.V3 ? "redistributors (2 vCPUs)" : "CPU interface"), e.getMessage());
        }
    }

    @Test
    void initialisingBeforeTheAddressesAreSetIsRefusedSayingWhatToDo() {
        try (var g = new GicTestGuest(GicVersion.AUTO, 1)) {
            var e = assertThrows(GicException.WrongOrder.class, () -> g.vgic.initialise(96, g.vcpus));
            assertTrue(e.getMessage().contains("before its addresses were set"), e.getMessage());
            assertThrows(GicException.WrongOrder.class, () -> g.vgic.interrupts());
            g.ready();
        }
    }

    @Test
    void settingAddressesTwiceIsRefused() {
        try (var g = new GicTestGuest(GicVersion.AUTO, 1).ready()) {
            var e = assertThrows(GicException.WrongOrder.class, () -> g.vgic.setAddresses(g.layout(), OCCUPIED));
            assertTrue(e.getMessage().contains("already set"), e.getMessage());
        }
    }
}
