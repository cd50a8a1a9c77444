package dev.kvm4j.vmm.machine;

import dev.kvm4j.vmm.device.Pl011;

import java.io.IOException;
import java.io.InputStream;

/** Feeds the user's keyboard (stdin) to the UART; waits while the guest has not drained its FIFO. */
final class ConsoleInput implements Runnable {
    private final InputStream in;
    private final Pl011 uart;

    ConsoleInput(InputStream in, Pl011 uart) {
        this.in = in;
        this.uart = uart;
    }

    static Thread start(InputStream in, Pl011 uart) {
        Thread t = Thread.ofPlatform().daemon().name("kvm4j-console-input").start(new ConsoleInput(in, uart));
        return t;
    }

    @Override
    public void run() {
        byte[] buf = new byte[256];
        try {
            int n;
            while ((n = in.read(buf)) > 0) {
                int done = 0;
                while (done < n) {
                    done += uart.receive(buf, done, n - done);
                    if (done < n) Thread.sleep(5);
                }
            }
        } catch (IOException | InterruptedException e) {
            // stdin closed or the machine is going away: no more input
        }
    }
}
