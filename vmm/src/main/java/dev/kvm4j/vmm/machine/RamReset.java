package dev.kvm4j.vmm.machine;

import dev.kvm4j.kvm.GuestMemory;

/**
 * Zeroes guest RAM for a reboot. The madvise call that does it lives in kvm ({@link GuestMemory#zero()}):
 * only dev.kvm4j.kvm has native access.
 */
final class RamReset {
    private RamReset() {}

    static void zero(GuestMemory ram) {
        ram.zero();
    }
}
