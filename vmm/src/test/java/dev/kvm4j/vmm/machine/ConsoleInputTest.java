package dev.kvm4j.vmm.machine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** Console input ends with its machine: no thread left behind, no byte handed to a machine that is gone. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConsoleInputTest {
    /** A UART that, like one whose VM is closed (ClosedHandleException), fails if fed after its machine stopped. */
    static final class Uart implements ConsoleInput.Receiver {
        final ByteArrayOutputStream got = new ByteArrayOutputStream();
        volatile boolean gone;

        @Override
        public synchronized int receive(byte[] data, int offset, int length) {
            if (gone) throw new IllegalStateException("a keystroke reached a UART whose machine is gone");
            got.write(data, offset, length);
            notifyAll();
            return length;
        }

        synchronized void await(String text) throws InterruptedException {
            while (!got.toString().equals(text)) wait(); // bounded by @Timeout
        }
    }

    /**
     * A terminal: read blocks until a key is typed (forever, if none is), available says what is typed.
     * Unlike a PipedInputStream it does not mind that the thread reading it has ended.
     */
    static final class Keyboard extends java.io.InputStream {
        private final java.util.ArrayDeque<Byte> typed = new java.util.ArrayDeque<>();

        synchronized void type(String keys) {
            for (byte b : keys.getBytes()) typed.add(b);
            notifyAll();
        }

        @Override
        public synchronized int available() {
            return typed.size();
        }

        @Override
        public synchronized int read() {
            while (typed.isEmpty()) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return -1;
                }
            }
            return typed.poll() & 0xff;
        }

        @Override
        public synchronized int read(byte[] b, int off, int len) {
            if (len == 0) return 0;
            int n = 0;
            b[off + n++] = (byte) read();
            while (n < len && !typed.isEmpty()) b[off + n++] = typed.poll();
            return n;
        }
    }

    private static long inputThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals(ConsoleInput.THREAD_NAME) && t.isAlive()).count();
    }

    @Test
    void twoMachinesInOneJvmLeaveNoReaderAndDropLateKeystrokes() throws Exception {
        long before = inputThreads();
        List<Throwable> uncaught = new CopyOnWriteArrayList<>();
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> uncaught.add(e));
        try {
            // Keyboards nobody types on after the stop: a plain read() would block in them forever.
            Keyboard keyboard1 = new Keyboard(), keyboard2 = new Keyboard();
            Uart uart1 = new Uart(), uart2 = new Uart();
            ConsoleInput input1 = ConsoleInput.start(keyboard1, uart1);
            ConsoleInput input2 = ConsoleInput.start(keyboard2, uart2);
            assertEquals(before + 2, inputThreads());

            keyboard1.type("ls\n");
            keyboard2.type("uname -a\n");
            uart1.await("ls\n");
            uart2.await("uname -a\n");

            input1.close(); // machine 1 stops; machine 2 runs on
            uart1.gone = true;
            assertTrue(input1.ended(), "the first machine's reader ended with it");
            keyboard1.type("late\n"); // typed after the stop: nowhere to go, no error
            keyboard2.type("echo\n");
            uart2.await("uname -a\necho\n");

            input2.close();
            uart2.gone = true;
            keyboard2.type("late too\n");
            assertTrue(input2.ended());
            assertEquals(before, inputThreads(), "no reader thread left behind");
            assertEquals("ls\n", uart1.got.toString());
            assertEquals(List.of(), uncaught);
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(previous);
        }
    }

    @Test
    void aFullBacklogIsRetriedUntilTheGuestTakesIt() throws Exception {
        StringBuilder got = new StringBuilder();
        int[] calls = {0};
        ConsoleInput.Receiver slow = (data, offset, length) -> {
            synchronized (got) {
                if (calls[0]++ % 2 == 0) return 0; // every other attempt, the FIFO is full
                got.append((char) data[offset]);
                got.notifyAll();
                return 1;
            }
        };
        try (ConsoleInput input = ConsoleInput.start(new java.io.ByteArrayInputStream("abc".getBytes()), slow)) {
            synchronized (got) {
                while (got.length() < 3) got.wait();
            }
        }
        assertEquals("abc", got.toString());
    }
}
