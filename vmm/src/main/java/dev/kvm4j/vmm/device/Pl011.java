package dev.kvm4j.vmm.device;

import dev.kvm4j.arm.run.MmioHandler;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Objects;

/**
 * An ARM PrimeCell PL011 UART (ARM DDI 0183), as much of it as Linux's amba-pl011 driver and earlycon
 * use. Transmission is instantaneous while the transmitter is enabled (CR UARTEN and TXE): the TX FIFO is
 * then always empty, so the guest never waits; bytes written while it is disabled wait in the FIFO until it
 * is enabled, as on the real part. Received
 * bytes wait in a host-side backlog behind the 16-byte FIFO the guest sees, so a paste is not lost to
 * overrun. One lock guards the state: the vCPU thread does MMIO, the console thread calls
 * {@link #receive}.
 */
public final class Pl011 implements MmioHandler {
    // Register offsets.
    static final int DR = 0x000, RSR_ECR = 0x004, FR = 0x018, ILPR = 0x020, IBRD = 0x024, FBRD = 0x028,
            LCR_H = 0x02c, CR = 0x030, IFLS = 0x034, IMSC = 0x038, RIS = 0x03c, MIS = 0x040, ICR = 0x044, DMACR = 0x048;
    static final int PERIPH_ID0 = 0xfe0;
    /**
     * PeriphID0-3 (part 0x011, designer ARM, revision 1) then PrimeCell ID0-3 (0xb105f00d): the amba bus
     * matches the driver by them. Revisions below 3 tell Linux the FIFOs are 16 deep, as modelled here.
     */
    private static final int[] ID = {0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1};

    // Flag register bits.
    static final int FR_BUSY = 1 << 3, FR_RXFE = 1 << 4, FR_TXFF = 1 << 5, FR_RXFF = 1 << 6, FR_TXFE = 1 << 7;
    // Interrupt bits, shared by IMSC, RIS, MIS and ICR.
    static final int INT_RX = 1 << 4, INT_TX = 1 << 5, INT_RT = 1 << 6, INT_ALL = 0x7ff;
    static final int LCR_H_FEN = 1 << 4;
    static final int CR_UARTEN = 1, CR_TXE = 1 << 8, CR_RXE = 1 << 9;
    /** The TRM's reset value: transmitter and receiver enabled, the UART itself not. */
    static final int CR_RESET = CR_TXE | CR_RXE, IFLS_RESET = 0x12;
    /**
     * As boot firmware (U-Boot, EDK2) leaves the console UART, and kvm4j is the firmware here: enabled, so
     * that earlycon, which writes without setting CR up, is seen. Linux's driver rewrites CR when it probes.
     */
    static final int CR_AT_BOOT = CR_RESET | CR_UARTEN;

    static final int FIFO_DEPTH = 16;
    /** RX trigger levels selected by IFLS bits 5:3 (1/8, 1/4, 1/2, 3/4, 7/8 full). */
    private static final int[] RX_TRIGGER = {2, 4, 8, 12, 14};
    static final int BACKLOG = 64 * 1024;
    private static final int TX_BUFFER = 4096;

    private final OutputStream out;
    private final IrqLine irq;

    private int cr = CR_AT_BOOT, lcrH, ibrd, fbrd, ifls = IFLS_RESET, imsc, ilpr, dmacr;
    /** TX interrupt: set when a byte goes out (the FIFO drained past the trigger), cleared by ICR. */
    private boolean txRaw;
    private boolean irqLevel;

    private final byte[] rx = new byte[BACKLOG];
    private int rxHead, rxCount;

    private final byte[] tx = new byte[TX_BUFFER];
    private int txCount;
    /** Bytes written while the transmitter was disabled, waiting in the TX FIFO. */
    private final byte[] txFifo = new byte[FIFO_DEPTH];
    private int txHeld;
    private IOException txError;

    /**
     * A UART in its reset state.
     *
     * @param out where the guest's output goes (the console)
     * @param irq the interrupt line it drives
     */
    public Pl011(OutputStream out, IrqLine irq) {
        this.out = Objects.requireNonNull(out);
        this.irq = Objects.requireNonNull(irq);
    }

    @Override
    public synchronized long read(long offset, int size) {
        int shift = (int) (offset & 3) * 8;
        int reg = (int) (offset & ~3L);
        // Only an access that covers DR's data byte takes a byte from the FIFO; DR's upper bits are the
        // byte's error flags (never raised here), so a narrow read of them sees 0 and takes nothing.
        if (reg == DR && shift != 0) return 0;
        long value = readRegister(reg) >>> shift;
        return size >= 4 ? value : value & ((1L << (8 * size)) - 1);
    }

    @Override
    public synchronized void write(long offset, int size, long value) {
        if ((offset & 3) != 0) return; // registers are written whole; Linux never does otherwise
        writeRegister((int) offset, (int) value);
    }

    private long readRegister(int reg) {
        return switch (reg) {
            case DR -> readData();
            case FR -> flags();
            case ILPR -> ilpr;
            case IBRD -> ibrd;
            case FBRD -> fbrd;
            case LCR_H -> lcrH;
            case CR -> cr;
            case IFLS -> ifls;
            case IMSC -> imsc;
            case RIS -> rawInterrupts();
            case MIS -> rawInterrupts() & imsc;
            case DMACR -> dmacr;
            default -> reg >= PERIPH_ID0 && reg < PERIPH_ID0 + 4 * ID.length ? ID[(reg - PERIPH_ID0) / 4] : 0;
        };
    }

    private void writeRegister(int reg, int value) {
        switch (reg) {
            case DR -> transmit((byte) value);
            case RSR_ECR -> { } // clears error flags; none are ever raised
            case ILPR -> ilpr = value & 0xff;
            case IBRD -> ibrd = value & 0xffff;
            case FBRD -> fbrd = value & 0x3f;
            case LCR_H -> lcrH = value & 0xff;
            case CR -> {
                cr = value & 0xffff;
                if (txEnabled()) releaseHeld();
                flushTx(); // drivers rewrite CR when a console write is done: a good time to show it
            }
            case IFLS -> ifls = value & 0x3f;
            case IMSC -> {
                imsc = value & INT_ALL;
                flushTx(); // masking TX is the driver saying it has nothing more to send
            }
            case ICR -> { if ((value & INT_TX) != 0) txRaw = false; }
            case DMACR -> dmacr = value & 0x7;
            default -> { }
        }
        updateIrq();
    }

    private int flags() {
        int fr = txHeld == 0 ? FR_TXFE : FR_BUSY;
        if (txHeld == fifoDepth()) fr |= FR_TXFF;
        if (rxCount == 0) fr |= FR_RXFE;
        if (fifoCount() == fifoDepth()) fr |= FR_RXFF;
        return fr;
    }

    /** RX and receive-timeout interrupts follow the FIFO level (time is not modelled: a byte waiting has timed out). */
    private int rawInterrupts() {
        int ris = txRaw ? INT_TX : 0;
        if (fifoCount() >= rxTrigger()) ris |= INT_RX;
        if (rxCount > 0) ris |= INT_RT;
        return ris;
    }

    private int fifoDepth() {
        return (lcrH & LCR_H_FEN) != 0 ? FIFO_DEPTH : 1;
    }

    /** The guest sees at most a FIFO's worth; the rest is backlog. */
    private int fifoCount() {
        return Math.min(rxCount, fifoDepth());
    }

    private int rxTrigger() {
        if ((lcrH & LCR_H_FEN) == 0) return 1;
        int select = (ifls >> 3) & 7;
        return RX_TRIGGER[Math.min(select, RX_TRIGGER.length - 1)];
    }

    private int readData() {
        if (rxCount == 0) return 0;
        int b = rx[rxHead] & 0xff;
        rxHead = (rxHead + 1) % rx.length;
        rxCount--;
        updateIrq();
        return b;
    }

    private boolean txEnabled() {
        return (cr & (CR_UARTEN | CR_TXE)) == (CR_UARTEN | CR_TXE);
    }

    /** A byte written to DR: out if the transmitter is enabled, else into the FIFO (lost if it is full, as on the part). */
    private void transmit(byte b) {
        if (!txEnabled()) {
            if (txHeld < fifoDepth()) txFifo[txHeld++] = b;
            return;
        }
        send(b);
    }

    private void releaseHeld() {
        for (int i = 0; i < txHeld; i++) send(txFifo[i]);
        txHeld = 0;
    }

    private void send(byte b) {
        if (txError == null) {
            tx[txCount++] = b;
            if (b == '\n' || txCount == tx.length) flushTx();
        }
        txRaw = true;
    }

    /**
     * Queues a byte from the user for the guest.
     *
     * @param b the byte
     * @return false if the backlog is full and the byte was not taken (the caller may retry later)
     */
    public synchronized boolean receive(byte b) {
        if (rxCount == rx.length) return false;
        rx[(rxHead + rxCount) % rx.length] = b;
        rxCount++;
        updateIrq();
        return true;
    }

    /**
     * Queues bytes from the user for the guest, as many as the backlog takes.
     *
     * @param data the bytes
     * @param offset where they start
     * @param length how many
     * @return how many of {@code data[offset..offset+length)} were taken
     */
    public synchronized int receive(byte[] data, int offset, int length) {
        int taken = 0;
        while (taken < length && receive(data[offset + taken])) taken++;
        return taken;
    }

    /** Shows what the guest wrote so far; for the run loop to call when the guest goes quiet or exits. */
    public synchronized void flush() {
        flushTx();
    }

    /**
     * {@return the first error writing the console, after which output is dropped (the guest must not stall on it); null if none}
     */
    public synchronized IOException outputError() {
        return txError;
    }

    private void flushTx() {
        if (txCount == 0 || txError != null) return;
        try {
            out.write(tx, 0, txCount);
            out.flush();
        } catch (IOException e) {
            txError = e;
        }
        txCount = 0;
    }

    /**
     * The UART's whole state, for a snapshot: the registers, the TX-interrupt latch, the IRQ line's level,
     * the bytes received and not yet read (FIFO and backlog, oldest first) and the bytes held in the TX FIFO
     * while the transmitter was disabled. What was transmitted is flushed to the console first.
     *
     * @param cr UARTCR, the control register
     * @param lcrH UARTLCR_H, the line control register
     * @param ibrd UARTIBRD, the integer baud rate divisor
     * @param fbrd UARTFBRD, the fractional baud rate divisor
     * @param ifls UARTIFLS, the FIFO interrupt levels
     * @param imsc UARTIMSC, the interrupt mask
     * @param ilpr UARTILPR, the IrDA low-power counter
     * @param dmacr UARTDMACR, the DMA control register
     * @param txRaw the TX interrupt's raw status
     * @param irqLevel the level of the interrupt line
     * @param rx the bytes received and not yet read, oldest first
     * @param txHeld the bytes waiting in the TX FIFO
     */
    public record State(int cr, int lcrH, int ibrd, int fbrd, int ifls, int imsc, int ilpr, int dmacr,
                        boolean txRaw, boolean irqLevel, byte[] rx, byte[] txHeld) {
        /** A state, with copies of the byte arrays, checked against the FIFO and backlog sizes. */
        public State {
            rx = rx.clone();
            txHeld = txHeld.clone();
            if (rx.length > BACKLOG) throw new IllegalArgumentException("a PL011 holds at most " + BACKLOG + " received bytes, not " + rx.length);
            if (txHeld.length > FIFO_DEPTH) throw new IllegalArgumentException("a PL011's TX FIFO holds at most " + FIFO_DEPTH + " bytes, not " + txHeld.length);
        }

        /** {@return a copy of the bytes received and not yet read} */
        @Override public byte[] rx() { return rx.clone(); }

        /** {@return a copy of the bytes waiting in the TX FIFO} */
        @Override public byte[] txHeld() { return txHeld.clone(); }

        @Override
        public boolean equals(Object o) {
            return o instanceof State s && cr == s.cr && lcrH == s.lcrH && ibrd == s.ibrd && fbrd == s.fbrd && ifls == s.ifls
                    && imsc == s.imsc && ilpr == s.ilpr && dmacr == s.dmacr && txRaw == s.txRaw && irqLevel == s.irqLevel
                    && java.util.Arrays.equals(rx, s.rx) && java.util.Arrays.equals(txHeld, s.txHeld);
        }

        @Override
        public int hashCode() { return java.util.Objects.hash(cr, lcrH, imsc, java.util.Arrays.hashCode(rx)); }
    }

    /** {@return the largest backlog of received bytes a {@link State} may carry} */
    public static int maxReceived() { return BACKLOG; }

    /** {@return the TX FIFO's depth, the most held bytes a {@link State} may carry} */
    public static int fifoDepthMax() { return FIFO_DEPTH; }

    /** {@return the state now; call while no vCPU runs (the machine is paused) for a consistent snapshot} */
    public synchronized State save() {
        flushTx();
        byte[] received = new byte[rxCount];
        for (int i = 0; i < rxCount; i++) received[i] = rx[(rxHead + i) % rx.length];
        return new State(cr, lcrH, ibrd, fbrd, ifls, imsc, ilpr, dmacr, txRaw, irqLevel, received,
                java.util.Arrays.copyOf(txFifo, txHeld));
    }

    /**
     * Takes {@code s} as the UART's state and drives the IRQ line to its level (the vGIC's line level is
     * restored separately; driving it again keeps the two in step whatever order the restore took).
     *
     * @param s the state
     */
    public synchronized void restore(State s) {
        cr = s.cr & 0xffff;
        lcrH = s.lcrH & 0xff;
        ibrd = s.ibrd & 0xffff;
        fbrd = s.fbrd & 0x3f;
        ifls = s.ifls & 0x3f;
        imsc = s.imsc & INT_ALL;
        ilpr = s.ilpr & 0xff;
        dmacr = s.dmacr & 0x7;
        txRaw = s.txRaw;
        byte[] received = s.rx;
        System.arraycopy(received, 0, rx, 0, received.length);
        rxHead = 0;
        rxCount = received.length;
        System.arraycopy(s.txHeld, 0, txFifo, 0, s.txHeld.length);
        txHeld = s.txHeld.length;
        txCount = 0;
        irqLevel = (rawInterrupts() & imsc) != 0;
        irq.set(irqLevel);
    }

    private void updateIrq() {
        boolean level = (rawInterrupts() & imsc) != 0;
        if (level != irqLevel) {
            irqLevel = level;
            irq.set(level);
        }
    }
}
