package dev.kvm4j.vmm.gdb;

import dev.kvm4j.arm.psci.PowerEvent;
import dev.kvm4j.arm.run.RunEnd;
import dev.kvm4j.kvm.Kvm;
import dev.kvm4j.kvm.abi.Capability;
import dev.kvm4j.kvm.testing.RealKvm;
import dev.kvm4j.vmm.MachineConfig;
import dev.kvm4j.vmm.machine.GuestConsole;
import dev.kvm4j.vmm.machine.Machine;
import dev.kvm4j.vmm.machine.MachineDebugTarget;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
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
 * The stub driven by a real gdb (Debian's, in batch mode with a generated script) against Debian's kernels on a
 * real KVM, 2 vCPUs, started with {@code --gdb-wait}. One machine per guest kind, booted twice: Debian's kernel
 * package ships no real System.map (it is in the -dbg package), so the first boot's shell prints the symbols
 * from /proc/kallsyms ({@code nokaslr}: a CPU with RNDR, like the rig's max, randomises the kernel's place even without a kaslr-seed), and a
 * second gdb, attached to the running guest, breaks on {@code start_kernel} of the guest's reboot.
 * <p>
 * gdb 1 (at the first instruction): {@code info threads} (2), the PC, {@code x/2i}, detach (the guest boots).
 * gdb 2: attach to the running guest (the stub stops it), {@code hbreak} on start_kernel, continue, reboot →
 * stop there; {@code info registers} (x0–x30, sp, pc, cpsr, fpsr/fpcr, v0), {@code x/4i $pc}, {@code stepi} (+4),
 * register writes by P and by G, memory writes by X and by M (each read back from the target), a software
 * {@code break} on the uname syscall handler (init runs {@code uname -a}), {@code watch} and {@code rwatch} on
 * {@code jiffies}, {@code info threads}, detach → the guest reaches its shell again and powers off.
 */
@RealKvm(arch = "aarch64")
@Timeout(value = 20, unit = TimeUnit.MINUTES)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RealGdbKvmTest {
    private static final Duration BOOT = Duration.ofMinutes(4), GDB = Duration.ofMinutes(6);
    private static final String PROMPT = "Type 'poweroff'";

    private static Path guest(String file) {
        String dir = System.getenv("KVM4J_DEFAULT_GUEST");
        assumeTrue(dir != null, "KVM4J_DEFAULT_GUEST is not set: the default guest was not built for this run");
        Path p = Path.of(dir, file);
        assumeTrue(Files.isRegularFile(p), p + " is missing");
        return p;
    }

    private static String gdb() {
        return GdbBatch.binary().orElseGet(() -> {
            assumeTrue(false, "no gdb on PATH (the rig's root fs has Debian's gdb; on a host: apt-get install gdb-multiarch)");
            return null;
        });
    }

    @Test
    @Order(1)
    void aRealGdbDebugsTheArm64KernelFromStartKernelToPowerOff() throws Exception {
        String gdb = gdb();
        MachineConfig config = MachineConfig.builder().kernel(guest("Image")).initrd(guest("initramfs-arm64.cpio.gz"))
                .cpus(2).memory(256L << 20).append("console=ttyAMA0 quiet kvm4j.shell nokaslr").build();
        GuestConsole console = new GuestConsole();
        try (Machine m = Machine.builder(config).console(console).build()) {
            MachineDebugTarget target = MachineDebugTarget.startPaused(m);
            try (GdbServer server = GdbServer.start(new InetSocketAddress("127.0.0.1", 0), target)) {
                String first = firstInstruction(gdb, server.port(), "aarch64", console);
                assertTrue(first.contains("Thread 1") && first.contains("Thread 2"), "2 vCPUs, 2 threads\n" + first);

                Symbols sym = symbols(m, console, gdb, server.port(), "start_kernel", "__arm64_sys_newuname", "jiffies");
                long start = sym.get("start_kernel"), uname = sym.get("__arm64_sys_newuname"), jiffies = sym.get("jiffies");
                List<String> script = new ArrayList<>(connect(server.port(), "aarch64"));
                script.addAll(List.of(
                        "hbreak *0x" + Long.toHexString(start),
                        "echo @@continuing\\n", "continue",
                        "echo @@start\\n", "p/x $pc",
                        "echo @@regs\\n", "info registers",
                        "echo @@fp\\n", "info registers v0 fpsr fpcr",
                        "echo @@sys\\n", "p/x $sctlr_el1", "p/x $ttbr1_el1", "p/x $vbar_el1", "info registers system",
                        "echo @@insns\\n", "x/4i $pc",
                        "echo @@step\\n", "stepi", "p/x $pc",
                        "delete",
                        // P, then G (P turned off), each read back from the target; the registers are caller-saved scratch
                        "echo @@writes\\n", "set debug remote 1",
                        "set $x9 = 0x1234abcd", "maint flush register-cache", "p/x $x9",
                        "set remote set-register-packet off",
                        "set $x10 = 0x5678cdef", "maint flush register-cache", "p/x $x10",
                        // X, then M, below the stack pointer (dead stack), read back
                        "set stack-cache off",
                        "set {unsigned int}($sp - 0x800) = 0xfeedf00d", "maint flush dcache", "x/1xw $sp - 0x800",
                        "set remote binary-download-packet off",
                        "set {unsigned int}($sp - 0x7fc) = 0xcafe0001", "maint flush dcache", "x/1xw $sp - 0x7fc",
                        "set debug remote 0",
                        "echo @@uname\\n", "break *0x" + Long.toHexString(uname), "continue", "p/x $pc", "delete",
                        "echo @@watch\\n", "watch *(long *)0x" + Long.toHexString(jiffies), "continue", "delete",
                        "echo @@rwatch\\n", "rwatch *(long *)0x" + Long.toHexString(jiffies), "continue", "delete",
                        "echo @@threads\\n", "info threads",
                        "echo @@detach\\n", "detach"));
                String out = rebootUnder(gdb, script, m);
                try {
                    String s = section(out, "start");
                    assertEquals(start, value(s, 0), "stopped at start_kernel\n" + out);
                    String regs = section(out, "regs");
                    for (int i = 0; i <= 30; i++) assertTrue(Pattern.compile("(?m)^x" + i + "\\s+0x").matcher(regs).find(), "x" + i + " shown\n" + regs);
                    for (String r : List.of("sp", "pc", "cpsr")) assertTrue(Pattern.compile("(?m)^" + r + "\\s+0x").matcher(regs).find(), r + "\n" + regs);
                    assertTrue(Pattern.compile("(?m)^pc\\s+0x" + Long.toHexString(start) + "\\s").matcher(regs).find(), regs);
                    String fp = section(out, "fp");
                    assertTrue(fp.contains("v0") && fp.contains("u = {") && Pattern.compile("(?m)^fpsr\\s+0x").matcher(fp).find()
                            && Pattern.compile("(?m)^fpcr\\s+0x").matcher(fp).find(), "v0, fpsr, fpcr\n" + fp);
                    String sys = section(out, "sys");
                    assertEquals(1, value(sys, 0) & 1, "SCTLR_EL1.M: the MMU is on in start_kernel\n" + sys);
                    assertNotEquals(0, value(sys, 1), "TTBR1_EL1: the kernel's page tables\n" + sys);
                    assertTrue(value(sys, 2) < 0, "VBAR_EL1: the kernel's vectors, a kernel address\n" + sys);
                    for (String r : TargetDescription.SYSTEM_REGISTERS)
                        assertTrue(Pattern.compile("(?m)^" + r.toLowerCase(java.util.Locale.ROOT) + "\\s+0x").matcher(sys).find(), r + " in info registers system\n" + sys);
                    assertEquals(4, instructions(section(out, "insns")), "x/4i disassembles 4 instructions\n" + out);
                    assertEquals(start + 4, value(section(out, "step"), 0), "stepi: one instruction\n" + out);

                    String w = section(out, "writes");
                    assertTrue(w.contains("$P") && w.contains("$G"), "register writes went as P and as G\n" + w);
                    assertTrue(w.contains("$X") && w.contains("$M"), "memory writes went as X and as M\n" + w);
                    assertTrue(w.contains("= 0x1234abcd"), "P read back\n" + w);
                    assertTrue(w.contains("= 0x5678cdef"), "G read back\n" + w);
                    assertTrue(w.contains("0xfeedf00d") && w.contains("0xcafe0001"), "X and M read back\n" + w);

                    String u = section(out, "uname");
                    assertTrue(u.contains("hit Breakpoint"), "the uname syscall's software breakpoint hit\n" + out);
                    assertEquals(uname, value(u, 0), "stopped in __arm64_sys_newuname\n" + out);
                    assertTrue(section(out, "watch").matches("(?s).*Hardware watchpoint \\d+: \\*\\(long \\*\\)0x" + Long.toHexString(jiffies)
                            + ".*Old value = -?\\d+\\s+New value = -?\\d+.*"), "watch jiffies hit\n" + out);
                    assertTrue(section(out, "rwatch").matches("(?s).*Hardware read watchpoint \\d+: \\*\\(long \\*\\)0x" + Long.toHexString(jiffies)
                            + ".*Value = -?\\d+.*"), "rwatch jiffies hit\n" + out);
                    assertEquals(2, threads(section(out, "threads")), "info threads: the 2 vCPUs\n" + out);
                    assertTrue(section(out, "detach").contains("detached"), out);
                } catch (AssertionError e) {
                    throw explained(e, out, console, m);
                }
            }
            powerOffAfterDetach(m, console);
        }
    }

    /**
     * The 32-bit armmp kernel (where the host CPU runs AArch32 at EL1: not n1), with gdb's {@code arm}
     * architecture: the same proofs, the software breakpoint a {@code BKPT}, the watchpoints on a kernel stack
     * word ({@code watch -l}: Debian's armmp kallsyms lists no data symbols, so no jiffies).
     */
    @Test
    @Order(2)
    void aRealGdbDebugsTheArmhfKernel() throws Exception {
        String gdb = gdb();
        try (Kvm kvm = Kvm.open()) {
            assumeTrue(kvm.checkExtension(Capability.ARM_EL1_32BIT) > 0, "no KVM_CAP_ARM_EL1_32BIT on this host CPU");
        }
        MachineConfig config = MachineConfig.builder().kernel(guest("zImage-armhf")).initrd(guest("initramfs-armhf.cpio.gz"))
                .aarch32(true).cpus(2).memory(256L << 20).append("console=ttyAMA0 quiet kvm4j.shell nokaslr").build();
        GuestConsole console = new GuestConsole();
        try (Machine m = Machine.builder(config).console(console).build()) {
            MachineDebugTarget target = MachineDebugTarget.startPaused(m);
            try (GdbServer server = GdbServer.start(new InetSocketAddress("127.0.0.1", 0), target)) {
                String first = firstInstruction(gdb, server.port(), "arm", console);
                assertTrue(first.contains("Thread 1") && first.contains("Thread 2"), "2 vCPUs, 2 threads\n" + first);

                // armmp's kallsyms has no data symbols (no CONFIG_KALLSYMS_ALL): the watchpoints go on the kernel stack
                Symbols sym = symbols(m, console, gdb, server.port(), "start_kernel", "sys_newuname");
                long start = sym.get("start_kernel"), uname = sym.get("sys_newuname");
                List<String> script = new ArrayList<>(connect(server.port(), "arm"));
                script.addAll(List.of(
                        "hbreak *0x" + Long.toHexString(start),
                        "echo @@continuing\\n", "continue",
                        "echo @@start\\n", "p/x $pc", "p/x $cpsr",
                        "echo @@regs\\n", "info registers",
                        "echo @@fp\\n", "info registers d0 fpscr",
                        "echo @@insns\\n", "x/4i $pc",
                        "echo @@step\\n", "stepi", "p/x $pc",
                        "delete",
                        "echo @@writes\\n", "set debug remote 1",
                        "set $r12 = 0x1234abcd", "maint flush register-cache", "p/x $r12",
                        "set remote set-register-packet off",
                        "set $r3 = 0x5678cdef", "maint flush register-cache", "p/x $r3",
                        "set stack-cache off",
                        "set {unsigned int}($sp - 0x400) = 0xfeedf00d", "maint flush dcache", "x/1xw $sp - 0x400",
                        "set remote binary-download-packet off",
                        "set {unsigned int}($sp - 0x3fc) = 0xcafe0001", "maint flush dcache", "x/1xw $sp - 0x3fc",
                        "set debug remote 0",
                        "echo @@uname\\n", "break *0x" + Long.toHexString(uname), "continue", "p/x $pc", "delete",
                        "echo @@watch\\n", "watch -l *(int *)($sp - 64)", "continue", "delete",
                        "echo @@rwatch\\n", "rwatch -l *(int *)($sp - 64)", "continue", "delete",
                        "echo @@threads\\n", "info threads",
                        "echo @@detach\\n", "detach"));
                String out = rebootUnder(gdb, script, m);
                try {
                    assertEquals(start, value(section(out, "start"), 0), "stopped at start_kernel\n" + out);
                    String regs = section(out, "regs");
                    for (int i = 0; i <= 12; i++) assertTrue(Pattern.compile("(?m)^r" + i + "\\s+0x").matcher(regs).find(), "r" + i + " shown\n" + regs);
                    for (String r : List.of("sp", "lr", "pc", "cpsr")) assertTrue(Pattern.compile("(?m)^" + r + "\\s+0x").matcher(regs).find(), r + "\n" + regs);
                    String fp = section(out, "fp");
                    assertTrue(Pattern.compile("(?m)^d0\\s").matcher(fp).find() && Pattern.compile("(?m)^fpscr\\s+0x").matcher(fp).find(), "d0, fpscr\n" + fp);
                    assertEquals(4, instructions(section(out, "insns")), "x/4i disassembles 4 instructions\n" + out);
                    long step = value(section(out, "step"), 0);
                    assertTrue(step == start + 4 || step == start + 2, "stepi: one instruction (A32 or T32)\n" + out);

                    String w = section(out, "writes");
                    assertTrue(w.contains("$P") && w.contains("$G") && w.contains("$X") && w.contains("$M"), "P, G, X and M went out\n" + w);
                    assertTrue(w.contains("= 0x1234abcd") && w.contains("= 0x5678cdef"), "P and G read back\n" + w);
                    assertTrue(w.contains("0xfeedf00d") && w.contains("0xcafe0001"), "X and M read back\n" + w);

                    String u = section(out, "uname");
                    assertTrue(u.contains("hit Breakpoint"), "the uname syscall's software breakpoint (BKPT) hit\n" + out);
                    assertEquals(uname, value(u, 0), "stopped in sys_newuname\n" + out);
                    assertTrue(section(out, "watch").matches("(?s).*Hardware watchpoint \\d+: .*Old value = -?\\d+\\s+New value = -?\\d+.*"), "watch on the kernel stack hit\n" + out);
                    assertTrue(section(out, "rwatch").matches("(?s).*Hardware read watchpoint \\d+: .*Value = -?\\d+.*"), "rwatch on the kernel stack hit\n" + out);
                    assertEquals(2, threads(section(out, "threads")), "info threads: the 2 vCPUs\n" + out);
                    assertTrue(section(out, "detach").contains("detached"), out);
                } catch (AssertionError e) {
                    throw explained(e, out, console, m);
                }
            }
            powerOffAfterDetach(m, console);
        }
    }

    // ---- the steps both guests share ----------------------------------------------------------------------

    private static List<String> connect(int port, String architecture) {
        return List.of("set pagination off", "set confirm off", "set width 0", "set remotetimeout 60",
                "set architecture " + architecture, "target remote 127.0.0.1:" + port);
    }

    /** gdb at the first instruction ({@code --gdb-wait}): nothing ran, 2 threads, then detach lets the guest boot. */
    private static String firstInstruction(String gdb, int port, String architecture, GuestConsole console) throws Exception {
        List<String> script = new ArrayList<>(connect(port, architecture));
        script.addAll(List.of("info threads", "p/x $pc", "x/2i $pc", "detach"));
        assertEquals("", console.text(), "nothing ran before gdb");
        try (GdbBatch g = GdbBatch.start(gdb, script)) {
            String out = g.finish(GDB);
            assertTrue(out.matches("(?s).*\\$1 = 0x[0-9a-f]+.*"), "the PC at the first instruction\n" + out);
            assertTrue(out.contains("[Inferior 1 (Remote target) detached]"), out);
            return out;
        }
    }

    /** Runs gdb's script; when it continues after its hbreak, the guest is told to reboot. Returns gdb's output. */
    private static String rebootUnder(String gdb, List<String> script, Machine m) throws Exception {
        try (GdbBatch g = GdbBatch.start(gdb, script)) {
            // gdb prints nothing for continue in batch mode: the line before it. The guest cannot run before gdb's
            // continue, whose hbreak goes in first; what is typed waits in the console's input until then.
            assertTrue(g.await("@@continuing", GDB), "gdb did not get to its continue; its output:\n" + g.output());
            GuestConsole.type(m, "reboot");
            return g.finish(GDB);
        }
    }

    /**
     * A failed check with what explains it: CI shows only the assertion's message, and one section of gdb's
     * output rarely says why (a target that went away prints "No registers." everywhere after it).
     */
    private static AssertionError explained(AssertionError e, String out, GuestConsole console, Machine m) throws InterruptedException {
        String end = m.await(Duration.ZERO).map(r -> ", ended: " + r).orElse("");
        return new AssertionError(e.getMessage() + "\n---- gdb's output (end):\n" + tail(out, 2500)
                + "\n---- console (end):\n" + tail(console.text(), 1500)
                + "\n---- machine: " + m.phase() + ", reboots " + m.reboots() + end, e);
    }

    private static String tail(String s, int n) { return s.length() <= n ? s : "…" + s.substring(s.length() - n); }

    private static void powerOffAfterDetach(Machine m, GuestConsole console) throws Exception {
        assertTrue(console.awaitCount(PROMPT, 2, BOOT), "after detach, the rebooted guest reaches its shell; console:\n" + console.text());
        assertEquals(2, console.count("KVM4J-USERSPACE-READY"), console.text());
        GuestConsole.type(m, "poweroff");
        RunEnd end = m.await(BOOT).orElseThrow(() -> new AssertionError("no power-off after detach; console:\n" + console.text()));
        assertTrue(end instanceof RunEnd.Power p && p.event() instanceof PowerEvent.PowerOff, end.toString());
        assertEquals(1, m.reboots(), "one reboot: the one gdb broke into");
    }

    /** Symbol addresses from the booted guest's /proc/kallsyms (root sees them; the same on the next boot). */
    private record Symbols(java.util.Map<String, Long> map) {
        long get(String name) {
            assertTrue(map.containsKey(name), name + " is not in the guest's /proc/kallsyms");
            return map.get(name);
        }
    }

    private static Symbols symbols(Machine m, GuestConsole console, String gdb, int port, String... names) throws Exception {
        if (!console.await(PROMPT, BOOT)) fail("no shell prompt; console:\n" + console.text() + "\nwhere the vCPUs are:\n" + where(gdb, port));
        GuestConsole.type(m, "grep -wE '" + String.join("|", names) + "' /proc/kallsyms; echo KALLSYMS-$((40+2))");
        assertTrue(console.await("KALLSYMS-42", BOOT), "no answer from the shell; console:\n" + console.text());
        java.util.Map<String, Long> map = new java.util.HashMap<>();
        for (String name : names) {
            Matcher mm = Pattern.compile("(?m)^([0-9a-f]{8,16}) \\w " + Pattern.quote(name) + "\\s*$").matcher(console.text());
            if (!mm.find()) continue;
            long a = Long.parseUnsignedLong(mm.group(1), 16);
            assertNotEquals(0, a, name + " is hidden by kptr_restrict");
            map.put(name, a);
        }
        return new Symbols(map);
    }

    /** A diagnosis for a guest that hangs: gdb attaches and shows each vCPU's place and instructions. */
    private static String where(String gdb, int port) throws Exception {
        List<String> script = new ArrayList<>(connect(port, "auto"));
        script.addAll(List.of("info threads", "p/x $cpsr", "x/4i $pc", "thread 2", "p/x $cpsr", "x/4i $pc", "detach"));
        try (GdbBatch g = GdbBatch.start(gdb, script)) {
            return g.finish(GDB);
        }
    }


    // ---- reading gdb's output ------------------------------------------------------------------------------

    /** What gdb printed between {@code echo @@name} and the next {@code @@} marker. */
    private static String section(String out, String name) {
        int from = out.indexOf("@@" + name + "\n");
        assertTrue(from >= 0, "no section " + name + " in gdb's output:\n" + out);
        from += name.length() + 3;
        int to = out.indexOf("@@", from);
        return out.substring(from, to < 0 ? out.length() : to);
    }

    /** The n-th {@code $k = 0x...} value in a section. */
    private static long value(String section, int n) {
        Matcher mm = Pattern.compile("\\$\\d+ = (0x[0-9a-f]+)").matcher(section);
        for (int i = 0; i <= n; i++) assertTrue(mm.find(), "no value " + n + " in:\n" + section);
        return Long.parseUnsignedLong(mm.group(1).substring(2), 16);
    }

    private static int instructions(String section) {
        return (int) section.lines().filter(l -> l.matches("(=> |   )0x[0-9a-f]+:\\t\\S.*")).count();
    }

    private static int threads(String section) {
        return (int) section.lines().filter(l -> l.matches("[* ] +\\d+ +Thread \\d+.*")).count();
    }
}
