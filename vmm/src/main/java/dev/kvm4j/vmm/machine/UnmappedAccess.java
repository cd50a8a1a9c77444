package dev.kvm4j.vmm.machine;

/** A guest access that no RAM and no device claims, raised so the vCPU loop can name the guest PC. */
final class UnmappedAccess extends RuntimeException {
    UnmappedAccess(String what) { super(what, null, false, false); }
}
