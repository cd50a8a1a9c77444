package dev.kvm4j.vmm.virtio;

/**
 * The driver broke the virtio rules (a descriptor outside RAM, a loop, a wrong direction …). Thrown inside
 * the device code only: the transport catches it, puts the device in NEEDS_RESET and reports the message,
 * one line, through its {@link VirtioProblemListener}. It never leaves the transport.
 */
public final class VirtioViolation extends Exception {
    public VirtioViolation(String message) { super(message, null, false, false); }
}
