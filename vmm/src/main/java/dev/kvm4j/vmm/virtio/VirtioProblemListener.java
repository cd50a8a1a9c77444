package dev.kvm4j.vmm.virtio;

/** Hears, in one line each, what a guest driver did wrong and what the device did about it. */
@FunctionalInterface
public interface VirtioProblemListener {
    void problem(String device, String oneLine);

    VirtioProblemListener STDERR = (device, line) -> System.err.println("kvm4j: " + device + ": " + line);
}
