package dev.kvm4j.vmm.machine;

import dev.kvm4j.arm.VcpuFeatureUnavailableException;
import dev.kvm4j.kvm.Kvm;
import dev.kvm4j.kvm.abi.Capability;
import dev.kvm4j.kvm.testing.RealKvm;
import dev.kvm4j.vmm.MachineConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Debian's own kernels booted by kvm4j to the default guest's userspace marker, on real KVM. The guest
 * files come from guests/build, which ./test carries into the emulated host ({@code KVM4J_DEFAULT_GUEST}).
 */
@RealKvm(arch = "aarch64")
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class BootLinuxKvmTest {
    private static final String MARKER = "KVM4J-USERSPACE-READY";
    private static final Duration BOOT = Duration.ofMinutes(5);

    private static Path guest(String file) {
        String dir = System.getenv("KVM4J_DEFAULT_GUEST");
        assumeTrue(dir != null, "KVM4J_DEFAULT_GUEST is not set: the default guest was not built for this run");
        Path p = Path.of(dir, file);
        assumeTrue(Files.isRegularFile(p), p + " is missing");
        return p;
    }

    private static MachineConfig config(boolean aarch32, int cpus, String append) {
        return MachineConfig.builder()
                .kernel(guest(aarch32 ? "zImage-armhf" : "Image"))
                .initrd(guest(aarch32 ? "initramfs-armhf.cpio.gz" : "initramfs-arm64.cpio.gz"))
                .aarch32(aarch32).cpus(cpus).memory(256L << 20).append(append).build();
    }

    private record Run(int status, String console, String out) {}

    private static Run boot(MachineConfig config, InputStream stdin) throws Exception {
        GuestConsole console = new GuestConsole();
        StringWriter out = new StringWriter();
        int status = new KvmRunner(stdin, console, new PrintWriter(out, true)).run(config);
        return new Run(status, console.text(), out.toString());
    }

    @ParameterizedTest(name = "{0} vCPU(s)")
    @ValueSource(ints = {1, 2})
    void arm64LinuxBootsToUserspaceSeesItsCpusAndPowersOff(int cpus) throws Exception {
        Run run = boot(config(false, cpus, "console=ttyAMA0 quiet"), InputStream.nullInputStream());
        assertTrue(run.console().contains(MARKER), "no userspace marker; console:\n" + run.console());
        assertTrue(run.console().contains("aarch64"), run.console());
        assertTrue(run.console().contains("CPUs: " + cpus), "the guest's /proc/cpuinfo should list " + cpus + " CPUs:\n" + run.console());
        assertEquals(0, run.status(), run.out());
        assertTrue(run.out().contains("the guest powered off"), run.out());
    }

    @Test
    void aCharacterTypedIntoTheUartReachesTheGuestShellAndComesBack() throws Exception {
        PipedOutputStream keyboard = new PipedOutputStream();
        PipedInputStream stdin = new PipedInputStream(keyboard, 4096);
        GuestConsole console = new GuestConsole();
        StringWriter out = new StringWriter();
        MachineConfig config = config(false, 1, "console=ttyAMA0 quiet kvm4j.shell");
        var status = CompletableFuture.supplyAsync(() -> {
            try {
                return new KvmRunner(stdin, console, new PrintWriter(out, true)).run(config);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        assertTrue(console.await("Type 'poweroff'", BOOT), "no shell prompt; console:\n" + console.text());
        Thread.sleep(500);
        keyboard.write("echo kvm4j-$((6*7))\n".getBytes(StandardCharsets.US_ASCII));
        keyboard.flush();
        assertTrue(console.await("kvm4j-42", Duration.ofMinutes(2)), "the shell did not answer; console:\n" + console.text());
        keyboard.write("poweroff -f\n".getBytes(StandardCharsets.US_ASCII));
        keyboard.flush();
        assertEquals(0, status.get(3, TimeUnit.MINUTES), out.toString());
    }

    @Test
    void aarch32LinuxBootsToUserspaceWhereTheHostCanRunIt() throws Exception {
        try (Kvm kvm = Kvm.open()) {
            assumeTrue(kvm.checkExtension(Capability.ARM_EL1_32BIT) > 0, "no KVM_CAP_ARM_EL1_32BIT on this host CPU");
        }
        Run run = boot(config(true, 2, "console=ttyAMA0 quiet"), InputStream.nullInputStream());
        assertTrue(run.console().contains(MARKER), "no userspace marker; console:\n" + run.console());
        assertTrue(run.console().contains("armv7l"), run.console());
        assertTrue(run.console().contains("CPUs: 2"), run.console());
        assertEquals(0, run.status(), run.out());
    }

    @Test
    void aarch32OnAHostWithoutIt_FailsWithTheCapabilityError() throws Exception {
        try (Kvm kvm = Kvm.open()) {
            assumeTrue(kvm.checkExtension(Capability.ARM_EL1_32BIT) == 0, "this host CPU can run AArch32 guests");
        }
        var e = assertThrows(VcpuFeatureUnavailableException.class,
                () -> boot(config(true, 1, "console=ttyAMA0"), new ByteArrayInputStream(new byte[0])));
        assertTrue(e.getMessage().contains("KVM_CAP_ARM_EL1_32BIT = 0"), e.getMessage());
    }
}
