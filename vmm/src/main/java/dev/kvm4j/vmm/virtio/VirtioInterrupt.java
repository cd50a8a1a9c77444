package dev.kvm4j.vmm.virtio;

/**
 * The device's interrupt, as an edge: the transport calls {@link #trigger()} each time it sets a bit of
 * InterruptStatus. The machine connects it to an irqfd ({@code IrqFd::trigger}, GSI n = SPI n on arm64) or
 * to a raise-and-lower of the SPI; the device-tree node declares it edge-rising.
 */
@FunctionalInterface
public interface VirtioInterrupt {
    /** One edge: the guest is told to look at InterruptStatus. */
    void trigger();

    /** No interrupt at all: the driver is never told. */
    VirtioInterrupt NONE = () -> { };
}
