package dev.kvm4j.vmm.gdb;

import dev.kvm4j.arm.psci.PowerEvent;
import dev.kvm4j.arm.run.RunEnd;
import dev.kvm4j.kvm.Kvm;
import dev.kvm4j.kvm.abi.Capability;
import dev.kvm4j.kvm.testing.RealKvm;
import dev.kvm4j.vmm.Layout;
import dev.kvm4j.vmm.MachineConfig;
import dev.kvm4j.vmm.machine.Machine;
import dev.kvm4j.vmm.machine.MachineDebugTarget;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The gdb stub on a real machine: Debian's arm64 kernel with 2 vCPUs, started parked ({@code --gdb-wait}),
 * driven over TCP by the project's RSP client (the rig has no gdb; gdb-multiarch itself is proven on the host
 * against a fake target by GdbMultiarchTest). Proves: stop before the first instruction, stepping, a hardware
 * breakpoint, Ctrl-C of a booted kernel, registers, memory through the kernel's page tables (and a refused
 * unmapped address), a software breakpoint, a watchpoint with its address, 2 threads, and a detach after
 * which the guest runs on and powers off normally.
 */
@RealKvm(arch = "aarch64")
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class MachineGdbKvmTest {
    private static final Duration BOOT = Duration.ofMinutes(8);
    private static final int PC = 32, SP = 31;

    private static Path guest(String file) {
        String dir = System.getenv("KVM4J_DEFAULT_GUEST");
        assumeTrue(dir != null, "KVM4J_DEFAULT_GUEST is not set: the default guest was not built for this run");
        Path p = Path.of(dir, file);
        assumeTrue(Files.isRegularFile(p), p + " is missing");
        return p;
    }

    /** The console, kept for waiting on a line and shown in the test log. */
    private static final class Console extends OutputStream {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        @Override
        public synchronized void write(int b) { bytes.write(b); }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            bytes.write(b, off, len);
            System.out.write(b, off, len);
        }

        synchronized String text() { return bytes.toString(StandardCharsets.UTF_8); }

        boolean await(String marker, Duration timeout) throws InterruptedException {
            long end = System.nanoTime() + timeout.toNanos();
            while (!text().contains(marker)) {
                if (System.nanoTime() > end) return false;
                Thread.sleep(100);
            }
            return true;
        }
    }

    private static long reg(RspClient c, int regno) throws Exception {
        String r = c.ask("p" + Integer.toHexString(regno));
        assertFalse(r.startsWith("E") || r.isEmpty(), "p" + regno + ": " + r);
        return Hex.fromLittleEndian(Hex.parseBytes(r));
    }

    /** The target answers directly too, with its one-line reason, for the failure message. */
    private static DebugTarget direct;

    private static String why(long address) {
        try {
            direct.readMemory(0, address, 4);
            return "vCPU 0 reads it";
        } catch (TargetException e) {
            return e.getMessage();
        }
    }

    private static int insn(RspClient c, long address) throws Exception {
        String r = c.ask("m" + Long.toHexString(address) + ",4");
        if (r.length() != 8) fail("m at 0x" + Long.toHexString(address) + ": " + r + " (" + why(address) + ")");
        return (int) Hex.fromLittleEndian(Hex.parseBytes(r));
    }

    /** Where an A64 instruction goes next when it is B or BL; else the next instruction. */
    private static long after(long pc, int insn) {
        if ((insn & 0x7c00_0000) == 0x1400_0000) return pc + ((long) (insn << 6) >> 4); // imm26 * 4, signed
        return pc + 4;
    }

    private static String field(String stop, String name) {
        for (String part : stop.substring(3).split(";")) if (part.startsWith(name + ":")) return part.substring(name.length() + 1);
        return null;
    }

    /** The address of {@code name} in the kallsyms lines the guest printed; fails when it printed zeros (kptr_restrict). */
    private static long symbol(Console console, String name) throws InterruptedException {
        java.util.regex.Pattern p = java.util.regex.Pattern.compile("([0-9a-f]{16}) \\w " + name + "\\s");
        long end = System.nanoTime() + BOOT.toNanos();
        while (System.nanoTime() < end) {
            java.util.regex.Matcher mm = p.matcher(console.text());
            if (mm.find()) {
                long a = Long.parseUnsignedLong(mm.group(1), 16);
                assertNotEquals(0, a, name + " is hidden by kptr_restrict");
                return a;
            }
            Thread.sleep(100);
        }
        return fail("the guest did not print " + name + " from /proc/kallsyms:\n" + console.text());
    }

    /** Ctrl-C until the reported vCPU is at EL1 (it may land in the shell's userspace); returns that thread, selected. */
    private static int interruptInKernel(RspClient c, boolean aarch32) throws Exception {
        for (int tries = 0; ; tries++) {
            c.raw("\u0003");
            String intr = c.reply();
            assertTrue(intr.startsWith("T02"), "Ctrl-C is SIGINT: " + intr);
            int t = thread(intr);
            assertEquals("OK", c.ask("Hg" + Integer.toHexString(t)));
            boolean kernel = aarch32 ? (reg(c, 25) & 0x1f) != 0x10 : ((reg(c, 33) >>> 2) & 3) == 1;
            if (kernel || tries == 20) return t;
            c.raw(RspClient.frame("c"));
            c.expectAck();
            Thread.sleep(500);
        }
    }

    private static int thread(String stop) { return Integer.parseInt(field(stop, "thread"), 16); }

    @Test
    void gdbStopsStepsBreaksWatchesAndDetachesFromABootingKernel() throws Exception {
        MachineConfig config = MachineConfig.builder().kernel(guest("Image")).initrd(guest("initramfs-arm64.cpio.gz"))
                .cpus(2).memory(256L << 20).append("console=ttyAMA0 quiet kvm4j.shell").build();
        Console console = new Console();
        try (Machine m = Machine.builder(config).console(console).build()) {
            MachineDebugTarget target = MachineDebugTarget.startPaused(m);
            direct = target;
            try (GdbServer server = GdbServer.start(new InetSocketAddress("127.0.0.1", 0), target);
                 RspClient c = new RspClient(server.port())) {
                assertTrue(c.ask("qSupported:swbreak+;hwbreak+").contains("PacketSize"));
                assertTrue(c.ask("?").startsWith("T05"), "stopped before the first instruction");
                assertEquals("m1,2", c.ask("qfThreadInfo"), "two vCPUs are gdb's threads 1 and 2");
                assertEquals("l", c.ask("qsThreadInfo"));
                assertEquals("", console.text(), "nothing ran yet");

                // --gdb-wait: vCPU 0 at the kernel's entry, MMU off (guest virtual = physical)
                assertEquals("OK", c.ask("Hg1"));
                long entry = reg(c, PC);
                assertTrue(entry >= Layout.RAM_BASE && entry < Layout.RAM_BASE + (256L << 20), "entry 0x" + Long.toHexString(entry));
                int first = insn(c, entry);

                // stepi: exactly one instruction on vCPU 0
                String step = c.ask("vCont;s:1");
                assertTrue(step.startsWith("T05") && thread(step) == 1, step);
                long pc1 = reg(c, PC);
                assertEquals(after(entry, first), pc1, "one step from the entry");

                // hbreak where the next instruction goes, continue: the stop is there
                long target1 = after(pc1, insn(c, pc1));
                assertEquals("OK", c.ask("Z1," + Long.toHexString(target1) + ",4"));
                String hb = c.ask("c");
                assertTrue(hb.startsWith("T05") && hb.contains("hwbreak") && thread(hb) == 1, hb);
                assertEquals(target1, reg(c, PC));
                assertEquals("OK", c.ask("z1," + Long.toHexString(target1) + ",4"));

                // let the kernel boot to the shell, then Ctrl-C
                c.raw(RspClient.frame("c")); // the ack comes now, the stop reply after the interrupt
                c.expectAck();
                assertTrue(console.await("Type 'poweroff'", BOOT), "no shell prompt; console:\n" + console.text());
                // the symbols gdb would take from System.map, from the running kernel itself (root sees them)
                m.type("grep -wE '__arm64_sys_newuname|jiffies' /proc/kallsyms\n".getBytes(StandardCharsets.US_ASCII));
                long uname = symbol(console, "__arm64_sys_newuname"), jiffies = symbol(console, "jiffies");
                int t = interruptInKernel(c, false);

                // registers: g holds x0..x30, sp, pc, cpsr, v0..v31, fpsr, fpcr; pc and sp are the kernel's
                String g = c.ask("g");
                assertEquals(TargetDescription.AARCH64.gPacketBytes() * 2, g.length(), g);
                long pc = Hex.fromLittleEndian(Hex.parseBytes(g.substring(PC * 16, PC * 16 + 16)));
                long sp = Hex.fromLittleEndian(Hex.parseBytes(g.substring(SP * 16, SP * 16 + 16)));
                assertEquals(pc, reg(c, PC));
                assertEquals(sp, reg(c, SP));
                assertTrue(pc < 0 && sp < 0, String.format("kernel addresses (TTBR1): pc 0x%x sp 0x%x", pc, sp));
                long cpsr = reg(c, 33);
                assertEquals(1, (cpsr >>> 2) & 3, String.format("EL1: cpsr 0x%x", cpsr));

                // memory through the kernel's page tables, the same through either vCPU's; VA 0 is not mapped
                int atPc = insn(c, pc);
                int other = t == 1 ? 2 : 1;
                assertEquals("OK", c.ask("Hg" + other));
                assertEquals(atPc, insn(c, pc), "both vCPUs see the kernel text alike");
                assertEquals("OK", c.ask("Hg" + t));
                assertTrue(c.ask("m0,4").startsWith("E"), "an unmapped address is an error, not a crash");

                // a software breakpoint at the PC: the vCPU hits it at once; memory still shows the original
                assertEquals("OK", c.ask("Z0," + Long.toHexString(pc) + ",4"));
                assertEquals(atPc, insn(c, pc), "gdb sees the guest's instruction, not the BRK");
                String sw = c.ask("c");
                assertTrue(sw.startsWith("T05") && sw.contains("swbreak"), sw);
                int hitter = thread(sw);
                assertEquals("OK", c.ask("Hg" + Integer.toHexString(hitter)));
                assertEquals(pc, reg(c, PC), "stopped on the breakpoint");
                assertEquals("OK", c.ask("z0," + Long.toHexString(pc) + ",4"));
                assertEquals(atPc, insn(c, pc), "the original instruction is back");

                // stepi off it
                String s2 = c.ask("vCont;s:" + Integer.toHexString(hitter));
                assertTrue(s2.startsWith("T05") && thread(s2) == hitter, s2);
                assertNotEquals(pc, reg(c, PC), "the step moved the PC");

                // a write watchpoint on a page of the kernel stack just below SP: an interrupt's entry writes there
                long spNow = reg(c, SP);
                long page = (spNow - 512) & ~0xfffL;
                assertEquals("OK", c.ask("Z2," + Long.toHexString(page) + ",1000"));
                String w = c.ask("c");
                assertTrue(w.startsWith("T05"), w);
                assertEquals(Long.toHexString(page), field(w, "watch"), "the watchpoint's address: " + w);
                assertEquals("OK", c.ask("z2," + Long.toHexString(page) + ",1000"));

                // watch jiffies: the timer tick writes it
                assertEquals("OK", c.ask("Z2," + Long.toHexString(jiffies) + ",8"));
                String wj = c.ask("c");
                assertEquals(Long.toHexString(jiffies), field(wj, "watch"), "a write to jiffies: " + wj);
                assertEquals("OK", c.ask("z2," + Long.toHexString(jiffies) + ",8"));

                // break on the uname syscall handler: hit when the shell runs uname
                assertEquals("OK", c.ask("Z0," + Long.toHexString(uname) + ",4"));
                c.raw(RspClient.frame("c"));
                c.expectAck();
                m.type("uname -m\n".getBytes(StandardCharsets.US_ASCII));
                String su = c.reply();
                assertTrue(su.startsWith("T05") && su.contains("swbreak"), su);
                assertEquals("OK", c.ask("Hg" + field(su, "thread")));
                assertEquals(uname, reg(c, PC), "stopped in __arm64_sys_newuname");
                assertEquals("OK", c.ask("z0," + Long.toHexString(uname) + ",4"));

                // detach: the guest runs on without gdb and powers off when told
                assertEquals("OK", c.ask("D"));
            }
            m.type("poweroff -f\n".getBytes(StandardCharsets.US_ASCII));
            RunEnd end = m.await(BOOT).orElseThrow(() -> new AssertionError("no power-off after detach; console:\n" + console.text()));
            assertTrue(end instanceof RunEnd.Power p && p.event() instanceof PowerEvent.PowerOff, end.toString());
            assertTrue(console.text().contains("KVM4J-USERSPACE-READY"), console.text());
        }
    }

    /**
     * The same stub on Debian's 32-bit armmp kernel (where the host CPU runs AArch32 at EL1: not n1): the
     * {@code arm} description, a step, a hardware breakpoint in the zImage's head, Ctrl-C of the booted kernel,
     * memory through its short-descriptor page tables, detach and power-off.
     */
    @Test
    void aarch32GuestStopsStepsBreaksAndDetaches() throws Exception {
        try (Kvm kvm = Kvm.open()) {
            assumeTrue(kvm.checkExtension(Capability.ARM_EL1_32BIT) > 0, "no KVM_CAP_ARM_EL1_32BIT on this host CPU");
        }
        MachineConfig config = MachineConfig.builder().kernel(guest("zImage-armhf")).initrd(guest("initramfs-armhf.cpio.gz"))
                .aarch32(true).cpus(2).memory(256L << 20).append("console=ttyAMA0 quiet kvm4j.shell").build();
        int pcReg = 15, cpsrReg = 25;
        Console console = new Console();
        try (Machine m = Machine.builder(config).console(console).build()) {
            MachineDebugTarget target = MachineDebugTarget.startPaused(m);
            direct = target;
            try (GdbServer server = GdbServer.start(new InetSocketAddress("127.0.0.1", 0), target);
                 RspClient c = new RspClient(server.port())) {
                assertTrue(c.ask("qSupported:swbreak+;hwbreak+").contains("PacketSize"));
                assertTrue(c.ask("qXfer:features:read:target.xml:0,fff").contains("<architecture>arm</architecture>"));
                assertEquals("m1,2", c.ask("qfThreadInfo"));
                assertEquals("OK", c.ask("Hg1"));
                long entry = reg(c, pcReg);
                assertTrue(entry >= Layout.RAM_BASE && entry < Layout.RAM_BASE + (256L << 20), "entry 0x" + Long.toHexString(entry));
                assertEquals(0x13, reg(c, cpsrReg) & 0x1f, "the zImage starts in SVC mode");
                int first = insn(c, entry);
                String step = c.ask("vCont;s:1");
                assertTrue(step.startsWith("T05") && thread(step) == 1, step);
                long pc1 = reg(c, pcReg);
                if (first == 0xe1a0_0000) assertEquals(entry + 4, pc1, "one step over the head's mov r0, r0");
                else assertNotEquals(entry, pc1);
                int second = insn(c, pc1);
                long bp = (second & 0x0e00_0000) == 0x0a00_0000 ? pc1 + 8 + ((long) (second << 8) >> 6) : pc1 + 4; // A32 B/BL
                assertEquals("OK", c.ask("Z1," + Long.toHexString(bp) + ",4"));
                String hb = c.ask("c");
                assertTrue(hb.startsWith("T05") && hb.contains("hwbreak") && thread(hb) == 1, hb);
                assertEquals(bp, reg(c, pcReg));
                assertEquals("OK", c.ask("z1," + Long.toHexString(bp) + ",4"));

                c.raw(RspClient.frame("c"));
                c.expectAck();
                assertTrue(console.await("Type 'poweroff'", BOOT), "no shell prompt; console:\n" + console.text());
                interruptInKernel(c, true);
                String g = c.ask("g");
                assertEquals(TargetDescription.ARM.gPacketBytes() * 2, g.length(), g);
                long pc = reg(c, pcReg);
                assertTrue(pc >= 0xc000_0000L, String.format("a kernel address (3G/1G split): pc 0x%x", pc));
                String mem = c.ask("m" + Long.toHexString(pc) + ",4");
                assertEquals(8, mem.length(), "kernel text through the short-descriptor tables: " + mem + " (" + why(pc) + ")");
                assertEquals("OK", c.ask("D"));
            }
            m.type("poweroff -f\n".getBytes(StandardCharsets.US_ASCII));
            RunEnd end = m.await(BOOT).orElseThrow(() -> new AssertionError("no power-off after detach; console:\n" + console.text()));
            assertTrue(end instanceof RunEnd.Power p && p.event() instanceof PowerEvent.PowerOff, end.toString());
        }
    }
}
