package dev.kvm4j.vmm.machine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** The console buffer between the vCPU threads and stdout: never blocks the writer, never hangs the exit. */
@Timeout(value = 60, unit = TimeUnit.SECONDS) // a hang here is the bug under test: fail, do not stall the build
class ConsoleOutputTest {
    /** A stdout nobody reads: the first write blocks until released, as on a terminal stopped with ^S. */
    static final class BlockedStream extends OutputStream {
        final CountDownLatch entered = new CountDownLatch(1), release = new CountDownLatch(1);
        final ByteArrayOutputStream got = new ByteArrayOutputStream();

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new java.io.InterruptedIOException();
            }
            synchronized (got) {
                got.write(b, off, len);
            }
        }
    }

    @Test
    void everyByteIsDeliveredOrCountedAndTheWriterEndsWithClose() {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        ConsoleOutput console = new ConsoleOutput(sink, 1024);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        for (int i = 0; i < 200; i++) {
            byte[] line = ("line " + i + "\n").getBytes();
            expected.writeBytes(line);
            console.write(line, 0, line.length);
        }
        long dropped = console.close(Duration.ofSeconds(10));
        assertEquals(expected.size(), sink.size() + dropped, "every byte is delivered or counted as dropped");
        if (dropped == 0) assertArrayEquals(expected.toByteArray(), sink.toByteArray());
        assertTrue(console.writerEnded(), "the writer thread ends with the console");
    }

    @Test
    void aRingLargeEnoughLosesNothing() {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        ConsoleOutput console = new ConsoleOutput(sink, 1 << 20);
        byte[] data = new byte[100_000];
        for (int i = 0; i < data.length; i++) data[i] = (byte) (i * 31);
        for (int off = 0; off < data.length; off += 1000) console.write(data, off, 1000);
        assertEquals(0, console.close(Duration.ofSeconds(10)));
        assertArrayEquals(data, sink.toByteArray());
    }

    @Test
    void aStdoutThatBlocksForeverNeitherStallsTheProducerNorHangsClose() throws Exception {
        BlockedStream stdout = new BlockedStream();
        ConsoleOutput console = new ConsoleOutput(stdout, 64 * 1024);
        byte[] line = "the guest keeps talking to a terminal nobody reads\n".getBytes();
        console.write(line, 0, line.length);
        assertTrue(stdout.entered.await(30, TimeUnit.SECONDS), "the writer thread took the first chunk");
        long total = line.length;
        // 10 MiB more: the vCPU side must get through all of it although nothing drains.
        for (int i = 0; i < 200_000; i++) {
            console.write(line, 0, line.length);
            total += line.length;
        }
        long dropped = console.close(Duration.ofMillis(200));
        assertEquals(total, dropped, "nothing reached the blocked stream, so every byte is counted as dropped");

        console.write(line, 0, line.length); // a late byte after close: dropped, no exception
        assertEquals(total + line.length, console.dropped());

        stdout.release.countDown(); // the stream wakes up: the stuck chunk lands, nothing after it
        awaitEnd(console);
        synchronized (stdout.got) {
            assertTrue(stdout.got.size() <= 8192, "only the chunk in flight when close gave up: " + stdout.got.size());
        }
    }

    @Test
    void aFullRingDropsTheOldestBytesAndKeepsTheNewest() throws Exception {
        BlockedStream stdout = new BlockedStream();
        ConsoleOutput console = new ConsoleOutput(stdout, 16);
        console.write("0123456789abcdef".getBytes(), 0, 16);
        assertTrue(stdout.entered.await(30, TimeUnit.SECONDS));
        // The writer holds the first 16 bytes (in flight); the ring fills with the next ones and then overflows.
        byte[] more = "ABCDEFGHIJKLMNOPQRSTUVWXYZ".getBytes();
        console.write(more, 0, more.length);
        assertEquals(more.length - 16, console.dropped(), "the oldest of the waiting bytes were pushed out");
        stdout.release.countDown();
        assertEquals(more.length - 16, console.close(Duration.ofSeconds(10)));
        synchronized (stdout.got) {
            assertEquals("0123456789abcdefKLMNOPQRSTUVWXYZ", stdout.got.toString());
        }
    }

    @Test
    void aFailingStdoutDropsTheRestWithoutAnExceptionToTheProducer() {
        OutputStream broken = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("Broken pipe");
            }
        };
        ConsoleOutput console = new ConsoleOutput(broken, 1024);
        for (int i = 0; i < 1000; i++) console.write(new byte[] {'x'}, 0, 1);
        assertEquals(1000, console.close(Duration.ofSeconds(10)));
        assertEquals("Broken pipe", console.error().getMessage());
    }

    private static void awaitEnd(ConsoleOutput console) throws InterruptedException {
        while (!console.writerEnded()) Thread.sleep(10); // bounded by the class's @Timeout
    }
}
