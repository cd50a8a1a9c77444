package dev.kvm4j.vmm.machine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A signal to a running machine's JVM: the guest's pending output and kvm4j's last line still come out.
 * A child JVM plays the runner's end game (stop the loop, flush the UART into the console buffer, drain
 * it, print why) and gets Ctrl-C's SIGINT; SIGTERM takes the same path through the JVM's shutdown hooks.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class UserStopTest {
    /** The child: waits to be stopped like KvmRunner's main thread in loop.await(). */
    public static final class StoppedMachine {
        public static void main(String[] args) throws Exception {
            CountDownLatch stopped = new CountDownLatch(1);
            ConsoleOutput screen = new ConsoleOutput(System.out);
            try (UserStop userStop = UserStop.install(stopped::countDown)) {
                System.out.println("ready");
                System.out.flush();
                stopped.await();
                // What the UART still held when the machine stopped: a burst larger than one write of the drain.
                byte[] pending = ("guest: " + "x".repeat(60) + "\n").repeat(2000).getBytes(StandardCharsets.US_ASCII);
                screen.write(pending, 0, pending.length);
                screen.write("guest: last words\n".getBytes(StandardCharsets.US_ASCII), 0, 18);
                long dropped = screen.close(ConsoleOutput.DEFAULT_PATIENCE);
                System.out.println("kvm4j: " + Stop.BY_USER + ", dropped " + dropped);
                System.out.flush();
            }
        }
    }

    @Test
    void aSignalStillShowsTheGuestsLastOutputAndWhyKvm4jEnded() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // On the module path java.class.path lacks these classes: name the test's and the product's directories or jars.
        String classPath = location(StoppedMachine.class) + File.pathSeparator + location(ConsoleOutput.class);
        Process child = new ProcessBuilder(java, "-cp", classPath, StoppedMachine.class.getName())
                .redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.US_ASCII));
        assertEquals("ready", out.readLine());
        // Ctrl-C's SIGINT (Process.destroy would send SIGTERM, but also close the pipe this test reads).
        assertEquals(0, new ProcessBuilder("kill", "-INT", Long.toString(child.pid())).inheritIO().start().waitFor());
        String rest = out.lines().reduce("", (a, b) -> a + b + "\n");
        assertTrue(child.waitFor(60, TimeUnit.SECONDS));
        assertEquals(130, child.exitValue(), "the JVM's status for SIGINT");
        assertTrue(rest.contains("guest: last words\nkvm4j: " + Stop.BY_USER + ", dropped 0\n"),
                "the guest's last line, then kvm4j's; got the tail: " + rest.substring(Math.max(0, rest.length() - 300)));
    }

    private static String location(Class<?> c) throws Exception {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}
