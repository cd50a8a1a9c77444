package dev.kvm4j.vmm.machine;

import dev.kvm4j.arm.cpu.RegisterClass;
import dev.kvm4j.arm.psci.PowerEvent;
import dev.kvm4j.arm.regs.CpuState;
import dev.kvm4j.arm.regs.RegisterId;
import dev.kvm4j.arm.run.RunEnd;
import dev.kvm4j.arm.state.MpState;
import dev.kvm4j.kvm.GuestMemory;
import dev.kvm4j.kvm.testing.RealKvm;
import dev.kvm4j.vmm.MachineConfig;
import dev.kvm4j.vmm.snapshot.MachineState;
import dev.kvm4j.vmm.snapshot.SnapshotException;
import dev.kvm4j.vmm.snapshot.SnapshotFile;
import dev.kvm4j.vmm.snapshot.SnapshotFormat;
import dev.kvm4j.vmm.snapshot.SnapshotWriter;
import dev.kvm4j.vmm.snapshot.VcpuSnapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A machine's life on real KVM with the default guest (its shell on the console): reboots in place, and a
 * snapshot restored into a new machine that is provably the same guest — a file it wrote to tmpfs before the
 * snapshot is there after, both vCPUs' timer interrupts advance, a vCPU PSCI turned off stays off and comes
 * back on CPU_ON. Damaged and foreign snapshots are refused before anything runs.
 */
@RealKvm(arch = "aarch64")
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class MachineKvmTest {
    private static final String MARKER = "KVM4J-USERSPACE-READY";
    private static final Duration BOOT = Duration.ofMinutes(5), ANSWER = GuestConsole.ANSWER;

    @TempDir
    Path dir;

    private static Path guest(String file) {
        String dir = System.getenv("KVM4J_DEFAULT_GUEST");
        assumeTrue(dir != null, "KVM4J_DEFAULT_GUEST is not set: the default guest was not built for this run");
        Path p = Path.of(dir, file);
        assumeTrue(Files.isRegularFile(p), p + " is missing");
        return p;
    }

    private static MachineConfig shellGuest(int cpus, long memory) {
        return MachineConfig.builder().kernel(guest("Image")).initrd(guest("initramfs-arm64.cpio.gz"))
                .cpus(cpus).memory(memory).append("console=ttyAMA0 quiet kvm4j.shell").build();
    }





    /** arch_timer interrupt counts per CPU from /proc/interrupts. */
    private static List<Long> timerTicks(Machine m, GuestConsole console, String tag) throws InterruptedException {
        String out = console.ask(m, "grep arch_timer /proc/interrupts", tag);
        Matcher line = Pattern.compile("^\\s*\\d+:((?:\\s+\\d+)+)\\s", Pattern.MULTILINE).matcher(out);
        assertTrue(line.find(), "no arch_timer line in:\n" + out);
        List<Long> ticks = new ArrayList<>();
        for (String n : line.group(1).strip().split("\\s+")) ticks.add(Long.parseLong(n));
        return ticks;
    }

    private static Machine boot(MachineConfig config, GuestConsole console) throws InterruptedException {
        Machine m = Machine.builder(config).console(console).build();
        m.start();
        assertTrue(console.await(MARKER, BOOT), "no userspace marker; console:\n" + console.text());
        assertTrue(console.await("Type 'poweroff'", ANSWER), console.text());
        Thread.sleep(500); // the shell reads its first line only once it runs
        return m;
    }

    @Test
    void theGuestRebootsTwiceAndReachesUserspaceEachTime() throws Exception {
        GuestConsole console = new GuestConsole();
        try (Machine m = boot(shellGuest(2, 256L << 20), console)) {
            for (int boot = 2; boot <= 3; boot++) {
                GuestConsole.type(m, "reboot -f");
                assertTrue(console.awaitCount(MARKER, boot, BOOT), "boot " + boot + " did not reach userspace; console:\n" + console.text());
                assertTrue(console.awaitCount("CPUs: 2", boot, ANSWER), "boot " + boot + " should see both CPUs:\n" + console.text());
                assertTrue(console.awaitCount("Type 'poweroff'", boot, ANSWER), console.text());
                Thread.sleep(500);
            }
            assertEquals(2, m.reboots());
            GuestConsole.type(m, "poweroff -f");
            RunEnd end = m.await(ANSWER).orElseThrow(() -> new AssertionError("no power-off; console:\n" + console.text()));
            assertInstanceOf(PowerEvent.PowerOff.class, assertInstanceOf(RunEnd.Power.class, end).event(), end.message());
        }
    }

    @Test
    void withoutRebootTheMachineEndsOnTheGuestsReset() throws Exception {
        GuestConsole console = new GuestConsole();
        MachineConfig config = shellGuest(1, 256L << 20);
        try (Machine m = Machine.builder(config).console(console).reboot(false).build()) {
            m.start();
            assertTrue(console.await("Type 'poweroff'", BOOT), console.text());
            Thread.sleep(500);
            GuestConsole.type(m, "reboot -f");
            RunEnd end = m.await(ANSWER).orElseThrow(() -> new AssertionError("no reset; console:\n" + console.text()));
            assertInstanceOf(PowerEvent.Reboot.class, assertInstanceOf(RunEnd.Power.class, end).event(), end.message());
            assertEquals(0, m.reboots());
        }
    }

    @Test
    void aSnapshotRestoredInANewMachineIsTheSameGuestRunningOn() throws Exception {
        Path file = dir.resolve("guest.snap");
        GuestConsole before = new GuestConsole();
        MachineState saved;
        long saveMs;
        try (Machine m = boot(shellGuest(2, 512L << 20), before)) {
            assertEquals("kvm4j-proof-42", before.ask(m, "echo kvm4j-proof-$((6*7)) > /tmp/proof; cat /tmp/proof", "A").strip());
            m.pause();
            long t0 = System.nanoTime();
            SnapshotWriter.Written w = m.snapshot(file);
            saveMs = (System.nanoTime() - t0) / 1_000_000;
            MachineState now = m.state();
            saved = SnapshotFile.read(file).state();
            // Still paused: only the counters, which run on while paused, may differ from the file.
            for (int i = 0; i < 2; i++) {
                assertEquals("", withoutCounters(saved.vcpus().get(i).registers()).describeDiff(withoutCounters(now.vcpus().get(i).registers())));
            }
            assertEquals(saved.gic(), now.gic(), "the file holds the vGIC the paused machine has");
            System.out.printf("snapshot save: %d ms, %d bytes on disk for 512 MiB (%d of %d pages stored)%n", saveMs, Files.size(file),
                    w.pagesStored(), w.pages());
            m.stop();
        }

        GuestConsole after = new GuestConsole();
        long t0 = System.nanoTime();
        try (Machine r = Machine.restore(file, Machine.options().console(after))) {
            long restoreMs = (System.nanoTime() - t0) / 1_000_000;
            System.out.printf("snapshot restore: %d ms to the first guest instruction (save was %d ms)%n", restoreMs, saveMs);
            MachineState restored = r.state();
            for (int i = 0; i < 2; i++) {
                assertEquals("", withoutCounters(saved.vcpus().get(i).registers()).describeDiff(withoutCounters(restored.vcpus().get(i).registers())),
                        "vCPU " + i + " reads back what was saved");
                assertEquals(saved.vcpus().get(i).extra(), restored.vcpus().get(i).extra(), "vCPU " + i + " power and events");
            }
            assertEquals(saved.gic(), restored.gic(), "the vGIC reads back what was saved");
            assertEquals(saved.uart(), restored.uart());
            r.start();
            assertEquals("kvm4j-proof-42", after.ask(r, "cat /tmp/proof", "B").strip(), "the file written before the snapshot");
            List<Long> first = timerTicks(r, after, "C");
            Thread.sleep(1500);
            List<Long> second = timerTicks(r, after, "D");
            assertEquals(2, first.size(), "two CPUs in /proc/interrupts");
            for (int cpu = 0; cpu < 2; cpu++) {
                assertTrue(second.get(cpu) > first.get(cpu), "CPU " + cpu + "'s timer ticks: " + first + " then " + second);
            }
            GuestConsole.type(r, "poweroff -f");
            RunEnd end = r.await(ANSWER).orElseThrow(() -> new AssertionError("no power-off; console:\n" + after.text()));
            assertInstanceOf(RunEnd.Power.class, end, end.message());
        }
    }

    @Test
    void aVcpuTurnedOffStaysOffAcrossASnapshotAndComesBackOnCpuOn() throws Exception {
        Path file = dir.resolve("off.snap");
        GuestConsole before = new GuestConsole();
        try (Machine m = boot(shellGuest(2, 256L << 20), before)) {
            assertEquals("0", before.ask(m, "echo 0 > /sys/devices/system/cpu/cpu1/online; cat /sys/devices/system/cpu/online", "A").strip());
            Thread.sleep(500);
            MachineState s = m.state();
            assertEquals(MpState.STOPPED, s.vcpus().get(1).extra().mpState(), "PSCI CPU_OFF stopped vCPU 1");
            m.snapshot(file);
            m.stop();
        }
        GuestConsole after = new GuestConsole();
        try (Machine r = Machine.restore(file, Machine.options().console(after))) {
            assertEquals(MpState.STOPPED, r.state().vcpus().get(1).extra().mpState(), "vCPU 1 is restored powered off");
            assertEquals(MpState.RUNNABLE, r.state().vcpus().get(0).extra().mpState());
            r.start();
            assertEquals("0", after.ask(r, "cat /sys/devices/system/cpu/online", "B").strip());
            assertEquals("0-1", after.ask(r, "echo 1 > /sys/devices/system/cpu/cpu1/online; cat /sys/devices/system/cpu/online", "C").strip(),
                    "CPU_ON brings vCPU 1 back after the restore");
            r.stop();
        }
    }

    @Test
    void aDamagedOrForeignSnapshotIsRefusedBeforeAnythingRuns() throws Exception {
        Path file = dir.resolve("good.snap");
        GuestConsole console = new GuestConsole();
        MachineState state;
        try (Machine m = Machine.builder(shellGuest(1, 64L << 20)).console(console).build()) {
            m.snapshot(file); // a machine that never ran is a valid snapshot too
            state = m.state();
        }
        // A flipped byte in the vCPU section.
        byte[] b = Files.readAllBytes(file);
        SnapshotFile.Section vcpu = SnapshotFile.read(file).sections().stream().filter(s -> s.tag() == SnapshotFormat.VCPU).findFirst().orElseThrow();
        b[(int) vcpu.offset() + 40] ^= 4;
        Path damaged = Files.write(dir.resolve("damaged.snap"), b);
        var e = assertThrows(SnapshotException.class, () -> Machine.restore(damaged, Machine.options()));
        assertTrue(e.getMessage().contains("fails its checksum"), e.getMessage());

        // Another CPU: a different MIDR_EL1 and one register this host does not list.
        RegisterId midr = RegisterId.parse("MIDR_EL1");
        VcpuSnapshot v = state.vcpus().getFirst();
        long hostMidr = v.registers().getLong(midr);
        RegisterId unknown = RegisterId.sysreg(3, 0, 15, 15, 7);
        CpuState foreign = v.registers().with(midr, hostMidr ^ 0xf0).with(unknown, 1);
        MachineState other = new MachineState(state.config(), List.of(new VcpuSnapshot(v.id(), v.target(), v.features(), foreign, v.extra())),
                state.gic(), state.uart());
        Path foreignFile = dir.resolve("foreign.snap");
        try (GuestMemory ram = GuestMemory.allocate(state.config().ramBase(), state.config().memory())) {
            SnapshotWriter.write(foreignFile, other, ram);
        }
        e = assertThrows(SnapshotException.class, () -> Machine.restore(foreignFile, Machine.options()));
        String m = e.getMessage();
        assertTrue(m.contains(String.format("MIDR_EL1: snapshot 0x%x, this host 0x%x", hostMidr ^ 0xf0, hostMidr)), m);
        assertTrue(m.contains(unknown.name() + ": in the snapshot, not in this host's register list"), m);
        assertEquals(1, m.lines().count(), m);
    }

    /** The snapshot restored by {@code kvm4j restore FILE} in a new JVM, driven through its stdin and stdout. */
    @Test
    void aSnapshotRestoresInANewProcessThroughTheCommandLine() throws Exception {
        Path file = dir.resolve("process.snap");
        GuestConsole before = new GuestConsole();
        try (Machine m = boot(shellGuest(2, 256L << 20), before)) {
            before.ask(m, "echo kvm4j-other-process > /tmp/proof", "A");
            m.snapshot(file);
            m.stop();
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        // Under the JUnit console launcher java.class.path is the launcher alone: name the jars kvm4j runs from.
        List<String> jars = new ArrayList<>();
        for (String name : new String[] {"dev.kvm4j.vmm.cli.Main", "dev.kvm4j.kvm.Vm", "dev.kvm4j.arm.cpu.ArmVcpu", "picocli.CommandLine"}) {
            String jar = Path.of(Class.forName(name).getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
            if (!jars.contains(jar)) jars.add(jar);
        }
        String classPath = String.join(":", jars);
        Process child = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", classPath, "dev.kvm4j.vmm.cli.Main", "restore", file.toString())
                .redirectErrorStream(true).start();
        GuestConsole console = new GuestConsole();
        Thread pump = Thread.ofPlatform().daemon().start(() -> {
            try (var in = child.getInputStream()) {
                in.transferTo(console);
            } catch (java.io.IOException ignored) {
                // the child ended
            }
        });
        try (var keyboard = child.getOutputStream()) {
            // The restored shell is waiting for input: what it prints proves it is the same guest.
            long end = System.nanoTime() + ANSWER.toNanos();
            while (!console.text().contains("<<B>>kvm4j-other-process") && System.nanoTime() < end) {
                assertTrue(child.isAlive(), "kvm4j restore ended early; output:\n" + console.text());
                keyboard.write("T=B; echo \"<<$T>>$(cat /tmp/proof)\"\n".getBytes(StandardCharsets.US_ASCII));
                keyboard.flush();
                console.await("<<B>>kvm4j-other-process", Duration.ofSeconds(20));
            }
            assertTrue(console.text().contains("<<B>>kvm4j-other-process"), "the restored guest did not answer; output:\n" + console.text());
            keyboard.write("poweroff -f\n".getBytes(StandardCharsets.US_ASCII));
            keyboard.flush();
            assertTrue(child.waitFor(2, TimeUnit.MINUTES), "kvm4j restore did not end; output:\n" + console.text());
        } finally {
            child.destroyForcibly();
            pump.join(5000);
        }
        assertEquals(0, child.exitValue(), console.text());
        assertTrue(console.text().contains("the guest powered off"), console.text());
    }

    @Test
    void anAarch32GuestSnapshotRestoresWhereTheHostRunsAarch32() throws Exception {
        try (dev.kvm4j.kvm.Kvm kvm = dev.kvm4j.kvm.Kvm.open()) {
            assumeTrue(kvm.checkExtension(dev.kvm4j.kvm.abi.Capability.ARM_EL1_32BIT) > 0, "no KVM_CAP_ARM_EL1_32BIT on this host CPU");
        }
        MachineConfig config = MachineConfig.builder().kernel(guest("zImage-armhf")).initrd(guest("initramfs-armhf.cpio.gz"))
                .aarch32(true).cpus(2).memory(256L << 20).append("console=ttyAMA0 quiet kvm4j.shell").build();
        Path file = dir.resolve("a32.snap");
        GuestConsole before = new GuestConsole();
        try (Machine m = boot(config, before)) {
            assertEquals("armv7l", before.ask(m, "echo a32-proof > /tmp/proof; uname -m", "A").strip());
            m.snapshot(file);
            m.stop();
        }
        GuestConsole after = new GuestConsole();
        try (Machine r = Machine.restore(file, Machine.options().console(after))) {
            r.start();
            assertEquals("a32-proof", after.ask(r, "cat /tmp/proof", "B").strip());
            List<Long> first = timerTicks(r, after, "C");
            Thread.sleep(1500);
            List<Long> second = timerTicks(r, after, "D");
            for (int cpu = 0; cpu < 2; cpu++) assertTrue(second.get(cpu) > first.get(cpu), "CPU " + cpu + ": " + first + " then " + second);
            r.stop();
        }
    }

    /** {@code kvm4j run --control SOCKET}: pause, snapshot, a bad command, resume and quit over the socket. */
    @Test
    void theControlSocketPausesSnapshotsAndQuitsARunningMachine() throws Exception {
        Path sock = dir.resolve("vm.sock"), file = dir.resolve("control.snap");
        GuestConsole console = new GuestConsole();
        java.io.StringWriter out = new java.io.StringWriter(), err = new java.io.StringWriter();
        KvmRunner runner = new KvmRunner(java.io.InputStream.nullInputStream(), console, new java.io.PrintWriter(out, true));
        var status = java.util.concurrent.CompletableFuture.supplyAsync(() -> dev.kvm4j.vmm.cli.Main.execute(new String[] {"run",
                "--kernel", guest("Image").toString(), "--initrd", guest("initramfs-arm64.cpio.gz").toString(), "--cpus", "2",
                "--memory", "256M", "--append", "console=ttyAMA0 quiet kvm4j.shell", "--control", sock.toString()},
                runner, new java.io.PrintWriter(out, true), new java.io.PrintWriter(err, true)));
        assertTrue(console.await("Type 'poweroff'", BOOT), "no shell; console:\n" + console.text() + err);
        assertEquals("ok paused", dev.kvm4j.vmm.control.ControlServer.ask(sock, "pause"));
        assertEquals("ok paused", dev.kvm4j.vmm.control.ControlServer.ask(sock, "status"));
        String answer = dev.kvm4j.vmm.control.ControlServer.ask(sock, "snapshot " + file);
        assertTrue(answer.startsWith("ok " + file + " "), answer);
        assertTrue(dev.kvm4j.vmm.control.ControlServer.ask(sock, "reboot").startsWith("error unknown command"));
        assertTrue(dev.kvm4j.vmm.control.ControlServer.ask(sock, "snapshot " + dir.resolve("no/such/dir.snap")).startsWith("error "));
        assertEquals("ok running", dev.kvm4j.vmm.control.ControlServer.ask(sock, "resume"));
        assertEquals("ok stopping", dev.kvm4j.vmm.control.ControlServer.ask(sock, "quit"));
        assertEquals(0, status.get(2, TimeUnit.MINUTES), out + "\n" + err);
        assertTrue(out.toString().contains("stopped through the control socket"), out.toString());
        assertFalse(Files.exists(sock), "the socket file is removed");
        assertEquals(2, SnapshotFile.read(file).state().vcpus().size());
    }

    /**
     * Without the counters and the timers' ISTATUS bit (CNTx_CTL_EL0 bit 2), which KVM computes from the
     * counter: both move on while a machine is paused.
     */
    private static CpuState withoutCounters(CpuState s) {
        CpuState out = s;
        for (RegisterId id : s.ids()) if (RegisterClass.of(id).counter()) out = out.without(id);
        for (String ctl : new String[] {"CNTV_CTL_EL0", "CNTP_CTL_EL0"}) {
            RegisterId id = RegisterId.parse(ctl);
            if (out.contains(id)) out = out.with(id, out.getLong(id) & ~4L);
        }
        return out;
    }
}
