package dev.kvm4j.arm.gic;

import java.util.Set;

/**
 * A vGIC the machine cannot have as asked: the host offers another version, a frame would overlap
 * something, or the setup steps came in the wrong order. Each says what to do instead; KVM's own errors
 * stay {@link dev.kvm4j.kvm.KvmException}s (kept as the cause where one led here).
 */
public sealed class GicException extends RuntimeException {
    GicException(String message) { super(message); }

    GicException(String message, Throwable cause) { super(message, cause); }

    /** The requested version is not one this host's KVM can create. */
    public static final class VersionNotOffered extends GicException {
        /** The version asked for. */
        private final GicVersion requested;
        /** What the host offers. */
        private final Set<GicVersion> offered;

        VersionNotOffered(GicVersion requested, Set<GicVersion> offered, String message) {
            super(message);
            this.requested = requested;
            this.offered = Set.copyOf(offered);
        }

        /** {@return the version asked for} */
        public GicVersion requested() { return requested; }

        /** {@return what the host offers (possibly nothing)} */
        public Set<GicVersion> offered() { return offered; }
    }

    /** A GIC frame overlaps RAM, another device or another GIC frame. */
    public static final class AddressConflict extends GicException {
        /** The frame that could not be placed. */
        private final AddressRange frame;
        /** What it overlaps. */
        private final AddressRange occupied;

        AddressConflict(AddressRange frame, AddressRange occupied) {
            super(frame + " overlaps " + occupied + ": move one of them");
            this.frame = frame;
            this.occupied = occupied;
        }

        /** {@return the frame that could not be placed} */
        public AddressRange frame() { return frame; }

        /** {@return what it overlaps} */
        public AddressRange occupied() { return occupied; }
    }

    /** A frame address the kernel would refuse: misaligned, or for the other GIC version. */
    public static final class BadAddress extends GicException {
        BadAddress(String message) { super(message); }

        BadAddress(String message, Throwable cause) { super(message, cause); }
    }

    /** A step called out of order (see {@link Vgic} for the order) or twice. */
    public static final class WrongOrder extends GicException {
        WrongOrder(String message) { super(message); }

        WrongOrder(String message, Throwable cause) { super(message, cause); }
    }
}
