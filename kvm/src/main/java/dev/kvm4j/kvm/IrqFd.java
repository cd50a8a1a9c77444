package dev.kvm4j.kvm;

/**
 * A {@code KVM_IRQFD} registration: signalling {@link #eventFd()} injects an edge on GSI {@link #gsi()} in
 * the kernel, from any thread, without a vCPU exit or a {@code KVM_IRQ_LINE}. The GSI's meaning is the
 * arch's routing: on arm64 with a vGIC, GSI n is SPI n (INTID 32 + n); on x86 with the in-kernel irqchip,
 * GSIs 0-15 reach the PIC and IOAPIC, 16-23 the IOAPIC. {@link #close()} deassigns; the eventfd stays the
 * caller's to close. Made by {@link Vm#irqFd}.
 */
public final class IrqFd implements AutoCloseable {
    private final Vm vm;
    private final EventFd eventFd;
    private final int gsi;
    private boolean closed;

    IrqFd(Vm vm, EventFd eventFd, int gsi) {
        this.vm = vm;
        this.eventFd = eventFd;
        this.gsi = gsi;
    }

    /** {@return the eventfd whose signals inject the interrupt} */
    public EventFd eventFd() { return eventFd; }

    /** {@return the global system interrupt it injects} */
    public int gsi() { return gsi; }

    /** Injects the interrupt: the same as a write to the eventfd. */
    public void trigger() { eventFd.signal(); }

    /** Deassigns (a VM already gone took it with it). Idempotent; call before closing the eventfd. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        vm.irqFdDeassign(this);
    }

    @Override
    public String toString() { return "irqfd on GSI " + gsi; }
}
