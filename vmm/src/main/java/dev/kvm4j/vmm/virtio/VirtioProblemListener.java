package dev.kvm4j.vmm.virtio;

/** Hears, in one line each, what a guest driver did wrong and what the device did about it. */
@FunctionalInterface
public interface VirtioProblemListener {
    /**
     * A driver did something wrong.
     *
     * @param device the device's short name ({@link VirtioDevice#name})
     * @param oneLine what happened and what the device did, one line
     */
    void problem(String device, String oneLine);

    /** Prints each problem on standard error, prefixed with "kvm4j: " and the device. */
    VirtioProblemListener STDERR = (device, line) -> System.err.println("kvm4j: " + device + ": " + line);
}
