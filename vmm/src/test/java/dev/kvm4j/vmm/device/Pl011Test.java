package dev.kvm4j.vmm.device;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.lang.reflect.Method;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

import static dev.kvm4j.vmm.device.Pl011.*;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class Pl011Test {
    final ByteArrayOutputStream console = new ByteArrayOutputStream();
    final List<Boolean> irqChanges = new ArrayList<>();
    final AtomicBoolean irq = new AtomicBoolean();
    final Pl011 uart = new Pl011(console, level -> {
        irqChanges.add(level);
        irq.set(level);
    });

    private void send(String s) {
        for (byte b : s.getBytes(StandardCharsets.US_ASCII)) uart.write(DR, 4, b);
    }

    private String shown() {
        return console.toString(StandardCharsets.US_ASCII);
    }

    @Test
    void identifiesAsAnArmPl011ToTheAmbaBus() {
        long periph = 0, cell = 0;
        for (int i = 0; i < 4; i++) {
            periph |= (uart.read(0xfe0 + 4 * i, 4) & 0xff) << (8 * i);
            cell |= (uart.read(0xff0 + 4 * i, 4) & 0xff) << (8 * i);
        }
        assertEquals(0x00041011L, periph & 0x000fffff, "Linux's vendor_arm id under its mask");
        assertEquals(0xb105f00dL, cell);
    }

    @Test
    void resetStateHasEmptyFifosAndNoInterrupt() {
        assertEquals(FR_TXFE | FR_RXFE, uart.read(FR, 4));
        assertEquals(CR_AT_BOOT, uart.read(CR, 4), "enabled, as firmware leaves a console UART");
        assertEquals(IFLS_RESET, uart.read(IFLS, 4));
        assertEquals(0, uart.read(RIS, 4));
        assertTrue(irqChanges.isEmpty());
    }

    @Test
    void transmittedBytesAppearAtTheNewline() {
        send("hello");
        assertEquals("", shown(), "buffered until a line is complete");
        send("\n");
        assertEquals("hello\n", shown());
    }

    @Test
    void aPromptWithoutNewlineAppearsWhenTheDriverMasksTxOrOnFlush() {
        uart.write(IMSC, 4, INT_TX);
        send("# ");
        assertEquals("", shown());
        uart.write(IMSC, 4, 0);
        assertEquals("# ", shown());
        send("$");
        uart.flush();
        assertEquals("# $", shown());
    }

    @Test
    void writingDataRaisesTheTxInterruptUntilCleared() {
        uart.write(IMSC, 4, INT_TX);
        assertFalse(irq.get());
        send("x");
        assertTrue(irq.get());
        assertEquals(INT_TX, uart.read(MIS, 4));
        uart.write(ICR, 4, INT_TX);
        assertFalse(irq.get());
        assertEquals(0, uart.read(RIS, 4));
    }

    @Test
    void receivedByteRaisesRxTimeoutInterruptAndReadingClearsIt() {
        uart.write(LCR_H, 4, LCR_H_FEN);
        uart.write(IMSC, 4, INT_RX | INT_RT);
        assertTrue(uart.receive((byte) 'a'));
        assertTrue(irq.get(), "a single byte below the trigger level still interrupts (receive timeout)");
        assertEquals(INT_RT, uart.read(MIS, 4));
        assertEquals(0, uart.read(FR, 4) & FR_RXFE);
        assertEquals('a', uart.read(DR, 4));
        assertFalse(irq.get());
        assertEquals(FR_RXFE, uart.read(FR, 4) & FR_RXFE);
        assertEquals(List.of(true, false), irqChanges);
    }

    @Test
    void rxInterruptFollowsTheFifoTriggerLevel() {
        uart.write(LCR_H, 4, LCR_H_FEN);
        uart.write(IFLS, 4, 0b010 << 3); // RX trigger at 1/2 = 8 bytes
        uart.write(IMSC, 4, INT_RX);
        for (int i = 0; i < 7; i++) uart.receive((byte) i);
        assertFalse(irq.get());
        uart.receive((byte) 7);
        assertTrue(irq.get());
        uart.read(DR, 4);
        assertFalse(irq.get());
    }

    @Test
    void withoutFifosOneByteFillsTheReceiver() {
        uart.write(IMSC, 4, INT_RX);
        uart.receive((byte) 1);
        assertTrue(irq.get());
        assertEquals(FR_RXFF, uart.read(FR, 4) & FR_RXFF);
    }

    @Test
    void bytesBeyondTheFifoWaitInTheBacklogInOrder() {
        uart.write(LCR_H, 4, LCR_H_FEN);
        byte[] paste = "a long pasted line, more than sixteen bytes".getBytes(StandardCharsets.US_ASCII);
        assertEquals(paste.length, uart.receive(paste, 0, paste.length));
        assertEquals(FR_RXFF, uart.read(FR, 4) & FR_RXFF, "the guest sees a full FIFO");
        StringBuilder got = new StringBuilder();
        while ((uart.read(FR, 4) & FR_RXFE) == 0) got.append((char) uart.read(DR, 4));
        assertEquals(new String(paste, StandardCharsets.US_ASCII), got.toString());
    }

    @Test
    void fullBacklogRefusesInput() {
        for (int i = 0; i < BACKLOG; i++) assertTrue(uart.receive((byte) i));
        assertFalse(uart.receive((byte) 0));
        uart.read(DR, 4);
        assertTrue(uart.receive((byte) 0));
    }

    @Test
    void narrowAndUnalignedReadsSeeTheRightBytes() {
        uart.write(IBRD, 4, 0x1234);
        assertEquals(0x34, uart.read(IBRD, 1));
        assertEquals(0x12, uart.read(IBRD + 1, 1));
        assertEquals(0x1234, uart.read(IBRD, 2));
        uart.write(IBRD + 1, 1, 0xff);
        assertEquals(0x1234, uart.read(IBRD, 4), "unaligned writes are ignored");
    }

    @Test
    void registersKeepOnlyTheirImplementedBits() {
        uart.write(FBRD, 4, 0xffff_ffffL);
        uart.write(IMSC, 4, 0xffff_ffffL);
        assertEquals(0x3f, uart.read(FBRD, 4));
        assertEquals(INT_ALL, uart.read(IMSC, 4));
    }

    @Test
    void aBrokenConsoleDoesNotStopTheGuest() {
        Pl011 u = new Pl011(new OutputStream() {
            @Override public void write(int b) throws IOException {
                throw new IOException("EPIPE");
            }
        }, IrqLine.NONE);
        u.write(DR, 4, 'x');
        u.write(DR, 4, '\n');
        u.write(DR, 4, 'y');
        u.flush();
        assertEquals("EPIPE", u.outputError().getMessage());
    }

    @Test
    void inputFromAnotherThreadArrivesCompleteAndInOrder() throws Exception {
        uart.write(LCR_H, 4, LCR_H_FEN);
        int n = 20_000;
        Thread feeder = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < n; i++) while (!uart.receive((byte) i)) Thread.onSpinWait();
        });
        int received = 0;
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (received < n && System.nanoTime() < deadline) {
            if ((uart.read(FR, 4) & FR_RXFE) == 0) {
                assertEquals(received & 0xff, uart.read(DR, 4), "byte " + received);
                received++;
            }
        }
        feeder.join();
        assertEquals(n, received);
    }

    @Test
    void narrowReadsOfDrsUpperBytesDoNotTakeAByte() {
        uart.write(LCR_H, 4, LCR_H_FEN);
        uart.receive((byte) 'a');
        uart.receive((byte) 'b');
        for (int offset = 1; offset < 4; offset++) {
            assertEquals(0, uart.read(DR + offset, 1), "error flags of DR+" + offset);
        }
        assertEquals(0, uart.read(DR + 2, 2));
        assertEquals(0, uart.read(DR + 1, 2), "an unaligned halfword still misses byte 0");
        assertEquals('a', uart.read(DR, 1), "the FIFO still holds 'a'");
        assertEquals('b', uart.read(DR, 2), "a halfword at DR covers byte 0 and takes a byte");
        assertEquals(FR_RXFE, uart.read(FR, 4) & FR_RXFE);
    }

    @Test
    void nothingIsTransmittedUntilUartenAndTxeAreBothSet() {
        uart.write(CR, 4, CR_TXE); // UARTEN clear
        send("a\n");
        assertEquals("", shown());
        assertEquals(FR_BUSY | FR_TXFF, uart.read(FR, 4) & (FR_BUSY | FR_TXFF | FR_TXFE), "without FIFOs one byte fills the holding register");
        uart.write(CR, 4, CR_UARTEN); // TXE clear
        send("b\n");
        assertEquals("", shown());
        uart.write(CR, 4, CR_UARTEN | CR_TXE);
        uart.flush();
        assertEquals("a", shown(), "the held byte goes out on enable; the ones written to a full FIFO were lost");
        assertEquals(FR_TXFE, uart.read(FR, 4) & (FR_BUSY | FR_TXFF | FR_TXFE));
        send("c\n");
        assertEquals("ac\n", shown());
    }

    @Test
    void aDisabledTransmitterHoldsUpToAFifoOfBytes() {
        uart.write(LCR_H, 4, LCR_H_FEN);
        uart.write(CR, 4, 0);
        send("0123456789abcdefXYZ");
        assertEquals(FR_TXFF, uart.read(FR, 4) & FR_TXFF);
        uart.write(IMSC, 4, INT_TX);
        assertFalse(irq.get(), "nothing went out, so no TX interrupt");
        uart.write(CR, 4, CR_UARTEN | CR_TXE | CR_RXE);
        uart.flush();
        assertEquals("0123456789abcdef", shown());
        assertTrue(irq.get());
    }

    @Test
    void theIrqLineIsCalledOnlyWhenTheLevelChanges() {
        uart.write(LCR_H, 4, LCR_H_FEN);
        uart.write(IMSC, 4, INT_RX | INT_RT);
        for (int i = 0; i < 10; i++) uart.receive((byte) i);
        uart.write(IMSC, 4, INT_RX | INT_RT);
        uart.read(FR, 4);
        uart.read(MIS, 4);
        for (int i = 0; i < 9; i++) uart.read(DR, 4);
        assertEquals(List.of(true), irqChanges, "still pending: one call");
        uart.read(DR, 4);
        assertEquals(List.of(true, false), irqChanges);
    }

    /** The UART's interrupt path runs for every byte typed: it must not allocate (no boxing, no objects per change). */
    @Test
    void levelChangesDoNotAllocate() {
        LongSupplier allocatedBytes = threadAllocatedBytes();
        int[] calls = {0};
        Pl011 u = new Pl011(OutputStream.nullOutputStream(), level -> calls[0]++);
        u.write(IMSC, 4, INT_RX | INT_RT);
        for (int round = 0; round < 2; round++) { // the first round warms up
            calls[0] = 0;
            long before = allocatedBytes.getAsLong();
            for (int i = 0; i < 10_000; i++) {
                u.receive((byte) i);
                u.read(DR, 4);
            }
            long allocated = allocatedBytes.getAsLong() - before;
            assertEquals(20_000, calls[0]);
            if (round == 1) assertTrue(allocated < 16 * 1024, allocated + " bytes allocated for 20000 level changes");
        }
    }

    /**
     * This thread's allocation counter (com.sun.management), found reflectively: the module under test does
     * not read java.management, and the tests run on the class path, where everything is readable.
     */
    private static LongSupplier threadAllocatedBytes() {
        try {
            Object bean = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
            Class<?> type = Class.forName("com.sun.management.ThreadMXBean");
            assumeTrue(type.isInstance(bean) && (boolean) type.getMethod("isThreadAllocatedMemorySupported").invoke(bean),
                    "no per-thread allocation counter in this JVM");
            type.getMethod("setThreadAllocatedMemoryEnabled", boolean.class).invoke(bean, true);
            Method current = type.getMethod("getCurrentThreadAllocatedBytes");
            return () -> {
                try {
                    return (long) current.invoke(bean);
                } catch (ReflectiveOperationException e) {
                    throw new AssertionError(e);
                }
            };
        } catch (ReflectiveOperationException e) {
            assumeTrue(false, "no per-thread allocation counter: " + e);
            throw new AssertionError(e);
        }
    }
}
