package dev.kvm4j.vmm.virtio;

/**
 * The driver broke the virtio rules (a descriptor outside RAM, a loop, a wrong direction …). Thrown inside
 * the device code only: the transport catches it, puts the device in NEEDS_RESET and reports the message,
 * one line, through its {@link VirtioProblemListener}. It never leaves the transport.
 */
public final class VirtioViolation extends Exception {
    /**
     * A broken rule.
     *
     * @param message one line saying what the driver did wrong
     */
    public VirtioViolation(String message) { super(message, null, false, false); }
}
