package dev.kvm4j.vmm.device;

/** A level-triggered interrupt input of the interrupt controller, as a device sees it. */
@FunctionalInterface
public interface IrqLine {
    void set(boolean level);

    IrqLine NONE = level -> { };
}
