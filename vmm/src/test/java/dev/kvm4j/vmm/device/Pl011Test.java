package dev.kvm4j.vmm.device;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.kvm4j.vmm.device.Pl011.*;
import static org.junit.jupiter.api.Assertions.*;

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
        assertEquals(CR_RESET, uart.read(CR, 4));
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
}
