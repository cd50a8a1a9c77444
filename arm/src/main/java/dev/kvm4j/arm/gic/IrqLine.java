package dev.kvm4j.arm.gic;

import dev.kvm4j.kvm.Vm;

/**
 * One interrupt input of the vGIC, as a device model holds it: a UART keeps its SPI's line and raises or
 * lowers it. The {@code KVM_IRQ_LINE} encoding is computed once, here, from {@link Interrupts}.
 * Lines are level-sensitive as KVM configures SPIs by default: raise while the device wants service,
 * lower when it no longer does. Raising or lowering allocates nothing.
 */
public final class IrqLine {
    private final Vm vm;
    private final int kvmIrq;
    private final int intid;
    /** The vCPU of a PPI; -1 for an SPI. */
    private final int vcpu;

    IrqLine(Vm vm, int kvmIrq, int intid, int vcpu) {
        this.vm = vm;
        this.kvmIrq = kvmIrq;
        this.intid = intid;
        this.vcpu = vcpu;
    }

    /**
     * Drives the line to {@code level}.
     *
     * @param level true to raise, false to lower
     */
    public void set(boolean level) { vm.irqLine(kvmIrq, level); }

    /** Raises the line. */
    public void raise() { set(true); }

    /** Lowers the line. */
    public void lower() { set(false); }

    /** {@return the GIC interrupt id the guest acknowledges (32 + n for SPI n)} */
    public int intid() { return intid; }

    /** {@return the value passed as {@code kvm_irq_level.irq}} */
    public int kvmIrq() { return kvmIrq; }

    @Override
    public String toString() {
        return vcpu < 0 ? "SPI " + (intid - Vgic.PRIVATE_IRQS) + " (INTID " + intid + ")" : "PPI " + intid + " of vCPU " + vcpu;
    }
}
