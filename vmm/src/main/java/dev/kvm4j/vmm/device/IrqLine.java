package dev.kvm4j.vmm.device;

/** A level-triggered interrupt input of the interrupt controller, as a device sees it. */
@FunctionalInterface
public interface IrqLine {
    /**
     * Drives the line.
     *
     * @param level true to raise, false to lower
     */
    void set(boolean level);

    /** A line connected to nothing. */
    IrqLine NONE = level -> { };
}
