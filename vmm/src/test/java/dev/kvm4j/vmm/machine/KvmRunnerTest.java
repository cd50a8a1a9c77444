package dev.kvm4j.vmm.machine;

import dev.kvm4j.arm.gic.GicVersion;
import dev.kvm4j.kvm.Kvm;
import dev.kvm4j.kvm.KvmUnavailableException;
import dev.kvm4j.vmm.cli.Main;
import dev.kvm4j.vmm.loader.TestImages;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The shipped runner's paths that need no ARM KVM: {@code --check}, {@code --dump-dtb} and the refusal to
 * boot where there is no ARM KVM, through the command line as {@code kvm4j run} takes them, on every kind of
 * host. The host is the real {@link LocalHostKvm} with its os.arch and /dev/kvm opener replaced, so the test
 * sees whether /dev/kvm was opened; an arm64 host's answers come from a fake.
 */
class KvmRunnerTest {
    @TempDir
    Path dir;

    final StringWriter out = new StringWriter(), err = new StringWriter();
    final ByteArrayOutputStream console = new ByteArrayOutputStream();
    /** Every attempt to open /dev/kvm, by any host below. */
    static final AtomicInteger opens = new AtomicInteger();

    Path kernel, initrd;

    enum Host {
        /** An x86 machine with its own /dev/kvm (the real one here when there is one): it must never be opened. */
        X86_WITH_KVM {
            HostKvm create(Path dir) {
                Path device = Files.exists(Kvm.DEFAULT_PATH) ? Kvm.DEFAULT_PATH : dir.resolve("kvm-present");
                return new LocalHostKvm("amd64", counted(device));
            }
        },
        /** One whose /dev/kvm this user may not open (EACCES): whether it could be opened must not matter either. */
        X86_WITH_UNUSABLE_KVM {
            HostKvm create(Path dir) {
                return new LocalHostKvm("amd64", counted(unusable(dir)));
            }
        },
        X86_WITHOUT_KVM {
            HostKvm create(Path dir) {
                return new LocalHostKvm("amd64", counted(dir.resolve("no-such-kvm")));
            }
        };

        abstract HostKvm create(Path dir);

        /**
         * A path open(O_RDWR) refuses with EACCES even for root (a read-only sysfs file), standing in for a
         * /dev/kvm without permission; a mode-000 file where that is missing (refused to anyone but root).
         */
        static Path unusable(Path dir) {
            Path sysfs = Path.of("/sys/kernel/uevent_seqnum");
            if (Files.exists(sysfs)) return sysfs;
            try {
                return Files.createFile(dir.resolve("kvm-no-permission"),
                        java.nio.file.attribute.PosixFilePermissions.asFileAttribute(java.util.Set.of()));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        static java.util.function.Supplier<Kvm> counted(Path device) {
            return () -> {
                opens.incrementAndGet();
                return Kvm.open(device);
            };
        }
    }

    /** An arm64 host's KVM whose vGIC is a v2 (as on the rig's a57 model), to see "auto" asked for. */
    static final class FakeArm64 implements HostKvm {
        final List<String> asked = new ArrayList<>();

        @Override
        public Kvm openArm() {
            asked.add("openArm");
            throw new KvmUnavailableException("fake arm64 host: no VM here");
        }

        @Override
        public GicVersion autoGic() {
            asked.add("autoGic");
            return GicVersion.V2;
        }
    }

    @BeforeEach
    void files() throws IOException {
        opens.set(0);
        Files.createFile(dir.resolve("kvm-present"));
        kernel = Files.write(dir.resolve("Image"), TestImages.arm64(64 * 1024));
        initrd = Files.write(dir.resolve("initrd"), new byte[10_000]);
    }

    private int run(HostKvm host, String... args) {
        KvmRunner runner = new KvmRunner(InputStream.nullInputStream(), console, new PrintWriter(out, true), host);
        return Main.execute(args, runner, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    private String[] withFiles(String... more) {
        List<String> args = new ArrayList<>(List.of("run", "--kernel", kernel.toString(), "--initrd", initrd.toString()));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    private String oneErrorLine() {
        String e = err.toString();
        assertEquals(1, e.lines().count(), "one line, no stack trace:\n" + e);
        assertTrue(e.startsWith("kvm4j: "), e);
        return e.strip();
    }

    private static boolean contains(byte[] blob, String text) {
        return new String(blob, StandardCharsets.ISO_8859_1).contains(text);
    }

    // --check

    @ParameterizedTest
    @EnumSource(Host.class)
    void checkOfGoodFilesIsSilentWithStatus0AndOpensNoKvm(Host host) {
        assertEquals(0, run(host.create(dir), withFiles("--check", "--cpus", "4", "--memory", "1G")), err.toString());
        assertEquals("", out.toString());
        assertEquals("", err.toString());
        assertEquals(0, opens.get(), "--check opened /dev/kvm");
    }

    @Test
    void checkOnAnArm64HostAsksItsKvmNothing() {
        FakeArm64 arm = new FakeArm64();
        assertEquals(0, run(arm, withFiles("--check")), err.toString());
        assertEquals(List.of(), arm.asked);
        assertEquals("", out.toString() + err.toString());
    }

    @Test
    void checkWithTheRealHostOfThisMachinePasses() {
        KvmRunner real = new KvmRunner(InputStream.nullInputStream(), console, new PrintWriter(out, true));
        assertEquals(0, Main.execute(withFiles("--check", "--gic", "auto"), real, new PrintWriter(out, true), new PrintWriter(err, true)),
                err.toString());
        assertEquals("", out.toString() + err.toString());
    }

    @ParameterizedTest
    @EnumSource(Host.class)
    void checkOfAMissingKernelIsOneLineAndStatus2(Host host) {
        Path missing = dir.resolve("vmlinuz");
        assertEquals(2, run(host.create(dir), "run", "--kernel", missing.toString(), "--check"));
        assertEquals("kvm4j: kernel " + missing + ": no such file", oneErrorLine());
        assertEquals(0, opens.get());
    }

    @Test
    void checkOfAKernelThatIsNoImageIsOneLineAndStatus2() throws IOException {
        Files.write(kernel, "#!/bin/sh\necho not a kernel\n".repeat(200).getBytes(StandardCharsets.US_ASCII));
        assertEquals(2, run(Host.X86_WITH_KVM.create(dir), withFiles("--check")));
        assertTrue(oneErrorLine().contains(kernel.toString()), err.toString());
    }

    @Test
    void checkOfAnInitrdThatDoesNotFitIsOneLineAndStatus2() throws IOException {
        Files.write(initrd, new byte[80 << 20]);
        assertEquals(2, run(Host.X86_WITH_KVM.create(dir), withFiles("--check", "--memory", "64M")));
        assertTrue(oneErrorLine().contains("initrd"), err.toString());
    }

    @Test
    void checkOfAKernelTooBigForTheRamIsOneLineAndStatus2() throws IOException {
        Files.write(kernel, TestImages.arm64(64 * 1024, 0, 1L << 30, 0));
        assertEquals(2, run(Host.X86_WITH_KVM.create(dir), withFiles("--check", "--memory", "64M")));
        assertTrue(oneErrorLine().contains("kernel"), err.toString());
    }

    @Test
    void checkWritesNoTreeButJudgesWhereItWouldGo() {
        Path dtb = dir.resolve("virt.dtb");
        assertEquals(0, run(Host.X86_WITH_KVM.create(dir), withFiles("--check", "--dump-dtb", dtb.toString())), err.toString());
        assertFalse(Files.exists(dtb), "--check wrote the tree");
        Path nowhere = dir.resolve("no-such-dir/virt.dtb");
        assertEquals(2, run(Host.X86_WITH_KVM.create(dir), withFiles("--check", "--dump-dtb", nowhere.toString())));
        assertEquals("kvm4j: --dump-dtb " + nowhere + ": " + nowhere.getParent() + " is not a directory", oneErrorLine());
    }

    @Test
    void checkWithoutAKernelNamesTheDefaultGuestOrSaysThereIsNone() {
        // KVM4J_DEFAULT_GUEST is set only where ./kvm4j or ./test run the JVM; either outcome is one plain answer.
        int status = run(Host.X86_WITH_KVM.create(dir), "run", "--check");
        if (System.getenv("KVM4J_DEFAULT_GUEST") == null) {
            assertEquals(2, status);
            assertTrue(oneErrorLine().startsWith("kvm4j: no --kernel given, and no default guest here"), err.toString());
        } else {
            assertEquals(0, status, err.toString());
        }
        assertEquals(0, opens.get());
    }

    // --dump-dtb

    @Test
    void dumpDtbWithANamedGicWritesThatTree() throws IOException {
        Path dtb = dir.resolve("virt.dtb");
        assertEquals(0, run(Host.X86_WITH_KVM.create(dir), withFiles("--gic", "v2", "--cpus", "2", "--dump-dtb", dtb.toString())),
                err.toString());
        byte[] blob = Files.readAllBytes(dtb);
        assertEquals(0xd00dfeed, java.nio.ByteBuffer.wrap(blob).getInt(0));
        assertTrue(contains(blob, "arm,cortex-a15-gic"));
        assertEquals("kvm4j: device tree (" + blob.length + " bytes, GICv2) written to " + dtb, out.toString().strip());
        assertEquals(0, opens.get());
    }

    @ParameterizedTest
    @EnumSource(Host.class)
    void dumpDtbWithAutoOnX86IsANominalGicV3WithoutOpeningKvm(Host host) throws IOException {
        Path dtb = dir.resolve("auto.dtb");
        assertEquals(0, run(host.create(dir), withFiles("--dump-dtb", dtb.toString())), err.toString());
        byte[] blob = Files.readAllBytes(dtb);
        assertTrue(contains(blob, "arm,gic-v3"));
        assertEquals("kvm4j: device tree (" + blob.length + " bytes, GICv3) written to " + dtb, out.toString().strip());
        assertEquals("", err.toString());
        assertEquals(0, opens.get(), "--dump-dtb on x86 opened /dev/kvm");
    }

    @Test
    void dumpDtbWithAutoOnArm64TakesTheVgicItsKvmOffers() throws IOException {
        FakeArm64 arm = new FakeArm64();
        Path dtb = dir.resolve("auto.dtb");
        assertEquals(0, run(arm, withFiles("--dump-dtb", dtb.toString())), err.toString());
        assertEquals(List.of("autoGic"), arm.asked);
        assertTrue(contains(Files.readAllBytes(dtb), "arm,cortex-a15-gic"));
        assertTrue(out.toString().contains("GICv2) written to"), out.toString());
    }

    @Test
    void dumpDtbWithAutoOnAnArm64HostWhoseKvmDoesNotOpenIsANominalGicV3() throws IOException {
        Path dtb = dir.resolve("auto.dtb");
        HostKvm arm = new LocalHostKvm("aarch64", Host.counted(dir.resolve("no-such-kvm")));
        assertEquals(0, run(arm, withFiles("--dump-dtb", dtb.toString())), err.toString());
        assertTrue(contains(Files.readAllBytes(dtb), "arm,gic-v3"));
        assertEquals(1, opens.get(), "an arm64 host is asked");
    }

    @Test
    void dumpDtbWithTheRealHostOfThisMachinePasses() throws IOException {
        Path dtb = dir.resolve("real.dtb");
        KvmRunner real = new KvmRunner(InputStream.nullInputStream(), console, new PrintWriter(out, true));
        assertEquals(0, Main.execute(withFiles("--dump-dtb", dtb.toString()), real, new PrintWriter(out, true), new PrintWriter(err, true)),
                err.toString());
        if (!"aarch64".equals(System.getProperty("os.arch"))) {
            assertTrue(contains(Files.readAllBytes(dtb), "arm,gic-v3"), "not arm64: a nominal GICv3");
        }
    }

    @Test
    void dumpDtbIntoAMissingDirectoryIsOneLineAndStatus2() {
        Path nowhere = dir.resolve("no-such-dir/virt.dtb");
        assertEquals(2, run(Host.X86_WITH_KVM.create(dir), withFiles("--gic", "v3", "--dump-dtb", nowhere.toString())));
        assertTrue(oneErrorLine().startsWith("kvm4j: --dump-dtb " + nowhere + ": cannot write the device tree"), err.toString());
    }

    // Booting where there is no ARM KVM

    @ParameterizedTest
    @EnumSource(Host.class)
    void bootingOnX86IsOneLineAndStatus1WithoutOpeningKvm(Host host) {
        assertEquals(1, run(host.create(dir), withFiles()));
        assertEquals("kvm4j: this host is amd64, and ARM guests need an arm64 host's KVM: use ./kvm4j run from the kvm4j "
                + "repository, which runs kvm4j in an emulated arm64 host", oneErrorLine());
        assertEquals(0, opens.get());
        assertEquals(0, console.size());
    }

    @Test
    void bootingOnThisMachineWithoutArmKvmIsOneLine() {
        org.junit.jupiter.api.Assumptions.assumeFalse("aarch64".equals(System.getProperty("os.arch")),
                "an arm64 host would boot: BootLinuxKvmTest covers that in the rig");
        KvmRunner real = new KvmRunner(InputStream.nullInputStream(), console, new PrintWriter(out, true));
        assertEquals(1, Main.execute(withFiles(), real, new PrintWriter(out, true), new PrintWriter(err, true)));
        assertTrue(oneErrorLine().startsWith("kvm4j: this host is " + System.getProperty("os.arch") + ", and ARM guests need"), err.toString());
    }

    @Test
    void bootingOnAnArm64HostWithoutKvmSaysWhy() {
        Path missing = dir.resolve("no-such-kvm");
        assertEquals(1, run(new LocalHostKvm("aarch64", Host.counted(missing)), withFiles()));
        assertTrue(oneErrorLine().startsWith("kvm4j: " + missing + " does not exist: this host has no KVM"), err.toString());
    }

    @Test
    void bootingOnAnArm64HostWhoseKvmThisUserMayNotOpenIsOneLine() {
        Path device = Host.unusable(dir);
        assumeTrue(device.startsWith("/sys") || !Files.isWritable(device), "this user (root?) may write " + device);
        assertEquals(1, run(new LocalHostKvm("aarch64", Host.counted(device)), withFiles()));
        assertEquals("kvm4j: cannot open " + device + ": EACCES (permission denied); add this user to the 'kvm' group", oneErrorLine());
    }

    @Test
    void aBadKernelIsReportedBeforeTheHostIsAsked() {
        Path missing = dir.resolve("vmlinuz");
        FakeArm64 arm = new FakeArm64();
        assertEquals(2, run(arm, "run", "--kernel", missing.toString()));
        assertEquals("kvm4j: kernel " + missing + ": no such file", oneErrorLine());
        assertEquals(List.of(), arm.asked);
    }
}
