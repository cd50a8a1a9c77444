package dev.kvm4j.arm.cpu;

/**
 * Whether a put writes the counter registers (CNTVCT_EL0, CNTPCT_EL0). KVM turns a counter write into a
 * counter offset, so writing a value read a while ago sets the guest's clock back by the time since: only
 * a restore of a snapshot, which wants exactly that, should do it.
 */
public enum Counters {
    /** Leave the guest's clock running: counters are not written. */
    KEEP,
    /** Write the counters too, at FULL level: the guest's clock continues from the snapshot's value. */
    RESTORE
}
