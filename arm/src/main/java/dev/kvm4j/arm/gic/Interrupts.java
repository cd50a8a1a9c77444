package dev.kvm4j.arm.gic;

import dev.kvm4j.kvm.Vm;

import static dev.kvm4j.arm.gic.GicAbi.*;

/**
 * Interrupt injection into an initialised vGIC through {@code KVM_IRQ_LINE}, whose {@code irq} field on arm64
 * is {@code vcpu2 << 28 | type << 24 | vcpu << 16 | num} with {@code num} the INTID. SPIs are shared, so
 * their vCPU fields are 0 (the guest routes them); PPIs are private to one vCPU, so theirs name it. Numbers
 * outside what this vGIC has are refused here, with the range, rather than as the kernel's bare EINVAL.
 */
public final class Interrupts {
    /** PPIs are INTIDs 16..31; 0..15 are SGIs, which only the guest itself sends. */
    public static final int FIRST_PPI = 16, LAST_PPI = 31;
    /** vCPU indexes the two vCPU fields can carry together (the vcpu2 field needs KVM_CAP_ARM_IRQ_LINE_LAYOUT_2). */
    static final int MAX_ENCODABLE_VCPUS = (KVM_ARM_IRQ_VCPU2_MASK + 1) * (KVM_ARM_IRQ_VCPU_MASK + 1);

    private final Vm vm;
    private final int nrIrqs;
    private final int vcpus;

    Interrupts(Vm vm, int nrIrqs, int vcpus) {
        this.vm = vm;
        this.nrIrqs = nrIrqs;
        this.vcpus = vcpus;
    }

    /** {@return how many SPIs there are: SPI n is valid for {@code 0 <= n < spiCount()}} */
    public int spiCount() { return nrIrqs - Vgic.PRIVATE_IRQS; }

    /**
     * The line of shared peripheral interrupt {@code spi} (INTID 32 + spi).
     *
     * @param spi the SPI number, from 0
     * @return the line
     * @throws IllegalArgumentException for an SPI this vGIC lacks
     */
    public IrqLine spiLine(int spi) {
        checkSpi(spi);
        int intid = Vgic.PRIVATE_IRQS + spi;
        return new IrqLine(vm, encode(KVM_ARM_IRQ_TYPE_SPI, 0, intid), intid, -1);
    }

    /**
     * The line of private peripheral interrupt {@code intid} (16..31) of vCPU {@code vcpu}.
     *
     * @param vcpu the vCPU index
     * @param intid the PPI's INTID, 16..31
     * @return the line
     * @throws IllegalArgumentException for a vCPU or an INTID out of range
     */
    public IrqLine ppiLine(int vcpu, int intid) {
        checkPpi(vcpu, intid);
        return new IrqLine(vm, encode(KVM_ARM_IRQ_TYPE_PPI, vcpu, intid), intid, vcpu);
    }

    /**
     * Drives SPI {@code spi} (INTID 32 + spi) to {@code level}; allocates nothing, so a device may call it per change.
     *
     * @param spi the SPI number, from 0
     * @param level true to raise, false to lower
     * @throws IllegalArgumentException for an SPI this vGIC lacks
     */
    public void spi(int spi, boolean level) {
        checkSpi(spi);
        vm.irqLine(encode(KVM_ARM_IRQ_TYPE_SPI, 0, Vgic.PRIVATE_IRQS + spi), level);
    }

    /**
     * Drives PPI {@code intid} of vCPU {@code vcpu} to {@code level}; allocates nothing.
     *
     * @param vcpu the vCPU index
     * @param intid the PPI's INTID, 16..31
     * @param level true to raise, false to lower
     * @throws IllegalArgumentException for a vCPU or an INTID out of range
     */
    public void ppi(int vcpu, int intid, boolean level) {
        checkPpi(vcpu, intid);
        vm.irqLine(encode(KVM_ARM_IRQ_TYPE_PPI, vcpu, intid), level);
    }

    private void checkSpi(int spi) {
        if (spi < 0 || spi >= spiCount()) {
            throw new IllegalArgumentException("SPI " + spi + " does not exist: this vGIC has SPIs 0.." + (spiCount() - 1)
                    + " (INTIDs 32.." + (nrIrqs - 1) + ")");
        }
    }

    private void checkPpi(int vcpu, int intid) {
        if (intid < FIRST_PPI || intid > LAST_PPI) {
            throw new IllegalArgumentException("INTID " + intid + " is not a PPI: PPIs are INTIDs " + FIRST_PPI + ".." + LAST_PPI);
        }
        if (vcpu < 0 || vcpu >= vcpus) {
            throw new IllegalArgumentException("vCPU " + vcpu + " does not exist: the vGIC serves vCPUs 0.." + (vcpus - 1));
        }
    }

    /**
     * The {@code kvm_irq_level.irq} value for {@code type} ({@code KVM_ARM_IRQ_TYPE_*}), vCPU index and
     * number. vCPU indexes from 256 spill into the vcpu2 field, which kernels before 5.x reject.
     *
     * @param type the {@code KVM_ARM_IRQ_TYPE_*} value
     * @param vcpu the vCPU index (0 for an SPI)
     * @param num the interrupt number
     * @return the encoded value
     * @throws IllegalArgumentException for a field that does not fit
     */
    public static int encode(int type, int vcpu, int num) {
        if ((type & ~KVM_ARM_IRQ_TYPE_MASK) != 0) throw new IllegalArgumentException("irq type " + type + " does not fit 4 bits");
        if (vcpu < 0 || vcpu >= MAX_ENCODABLE_VCPUS) {
            throw new IllegalArgumentException("vCPU index " + vcpu + " does not fit KVM_IRQ_LINE (0.." + (MAX_ENCODABLE_VCPUS - 1) + ")");
        }
        if ((num & ~KVM_ARM_IRQ_NUM_MASK) != 0) throw new IllegalArgumentException("irq number " + num + " does not fit 16 bits");
        int low = vcpu & KVM_ARM_IRQ_VCPU_MASK;
        int high = vcpu >>> 8;
        return high << KVM_ARM_IRQ_VCPU2_SHIFT | type << KVM_ARM_IRQ_TYPE_SHIFT
                | low << KVM_ARM_IRQ_VCPU_SHIFT | num << KVM_ARM_IRQ_NUM_SHIFT;
    }
}
