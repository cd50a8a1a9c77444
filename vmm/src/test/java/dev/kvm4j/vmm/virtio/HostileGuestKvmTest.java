package dev.kvm4j.vmm.virtio;

import dev.kvm4j.arm.psci.PowerEvent;
import dev.kvm4j.arm.run.RunEnd;
import dev.kvm4j.kvm.testing.RealKvm;
import dev.kvm4j.vmm.Layout;
import dev.kvm4j.vmm.MachineConfig;
import dev.kvm4j.vmm.machine.Machine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.kvm4j.vmm.virtio.VirtioMmio.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * A hostile driver on real KVM: a bare-metal guest ({@link ScriptGuest}) drives a virtio-blk disk and a
 * virtio-rng over virtio-mmio on a real {@link Machine} (vGIC, ioeventfd, irqfd) and hands them malformed
 * requests — buffers outside RAM, address + length past 2^64, a descriptor loop, huge lengths, wrong
 * directions, bad indirect tables, indices past the queue, rings outside RAM, sectors past the disk. After
 * each case the guest prints {@code <case>:<Status register><status byte>} and resets the device. kvm4j must
 * stay up; each broken request must put the device in NEEDS_RESET with a line to the problem listener (or get
 * an error status when the protocol has one); the host file must be untouched outside what good requests
 * wrote, its tail past the last whole sector included; and afterwards good requests still work.
 */
@RealKvm(arch = "aarch64")
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class HostileGuestKvmTest {
    private static final long RAM = Layout.RAM_BASE;
    private static final long BLK = Layout.virtioSlot(0).start(), RNG = Layout.virtioSlot(1).start();
    /** Rings: descriptor table, avail, used, per device. */
    private static final long BLK_DESC = RAM + 0x40_0000, RNG_DESC = RAM + 0x41_0000;
    /** Request pieces: header, status word (byte 0 is the status), indirect table, data. */
    private static final long HDR = RAM + 0x50_0000, STATUS_AT = HDR + 0x100, TABLE = HDR + 0x200, DATA = HDR + 0x1000;
    private static final int QSIZE = 8, SECTORS = 128, TAIL = 100;
    private static final int NEXT = Virtqueue.F_NEXT, WRITE = Virtqueue.F_WRITE, INDIRECT = Virtqueue.F_INDIRECT;
    private static final long FEATURES = F_VERSION_1 | F_INDIRECT_DESC;
    /** Written by the guest's good write to sector GOOD_SECTOR, read back by its good read. */
    private static final long GOOD_WORD = 0x6b766d346a5f6f6bL; // "ko_j4mvk" little-endian
    private static final int GOOD_SECTOR = 3;

    @TempDir
    Path dir;

    private record Case(String id, String expected, String problem, boolean hostile) { }

    private final List<Case> cases = new ArrayList<>();

    private static long avail(long desc) { return desc + 0x1000; }

    private static long used(long desc) { return desc + 0x2000; }

    /** Status = 0, then the whole 1.x start-up with {@code features}, queue 0 of {@code qsize} at {@code desc}, DRIVER_OK. */
    private static void init(ScriptGuest g, long base, long desc, long features, long qsize) {
        g.st32(base + STATUS, 0).st32(base + STATUS, S_ACKNOWLEDGE).st32(base + STATUS, S_ACKNOWLEDGE | S_DRIVER)
                .st32(base + DRIVER_FEATURES_SEL, 1).st32(base + DRIVER_FEATURES, features >>> 32)
                .st32(base + DRIVER_FEATURES_SEL, 0).st32(base + DRIVER_FEATURES, features & 0xffff_ffffL)
                .st32(base + STATUS, S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK)
                .st32(base + QUEUE_SEL, 0).st32(base + QUEUE_NUM, qsize);
        if (desc >= RAM) g.st32(avail(desc), 0).st32(used(desc), 0); // a ring outside RAM is left alone
        g
                .st32(base + QUEUE_DESC_LOW, desc).st32(base + QUEUE_DESC_HIGH, desc >>> 32)
                .st32(base + QUEUE_DRIVER_LOW, avail(desc)).st32(base + QUEUE_DRIVER_HIGH, avail(desc) >>> 32)
                .st32(base + QUEUE_DEVICE_LOW, used(desc)).st32(base + QUEUE_DEVICE_HIGH, used(desc) >>> 32)
                .st32(base + QUEUE_READY, 1)
                .st32(base + STATUS, S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
    }

    private static void desc(ScriptGuest g, long table, int i, long addr, long len, int flags, int next) {
        long at = table + 16L * i;
        g.st64(at, addr).st32(at + 8, len).st16(at + 12, flags).st16(at + 14, next);
    }

    private static void header(ScriptGuest g, int type, long sector) {
        g.st32(HDR, type).st32(HDR + 4, 0).st64(HDR + 8, sector).st32(STATUS_AT, 0xee);
    }

    /** Makes chain {@code head} available as the first request (avail idx {@code idx}) and notifies. */
    private static void submit(ScriptGuest g, long base, long desc, int head, int idx) {
        g.st16(avail(desc) + 4, head).st16(avail(desc) + 2, idx).st32(base + QUEUE_NOTIFY, 0);
    }

    /** A request the device must refuse with NEEDS_RESET and a line naming {@code problem}. */
    private void hostile(ScriptGuest g, String id, long base, String problem) {
        g.waitFor(base + STATUS, S_NEEDS_RESET, S_NEEDS_RESET);
        report(g, id, base);
        cases.add(new Case(id, base == BLK ? "4fee" : "4f", problem, true)); // the disk's status byte stays as the guest left it
    }

    /** A request the device must complete (used idx 1) with status byte {@code status}. */
    private void completes(ScriptGuest g, String id, long base, long desc, int status) {
        g.waitFor(used(desc), 0xffff_0000L, 1L << 16);
        report(g, id, base);
        cases.add(new Case(id, String.format("0f%02x", status), null, !id.equals("read") && !id.startsWith("good-")));
    }

    private static void report(ScriptGuest g, String id, long base) {
        g.print(id + ":").hex(base + STATUS, 0);
        if (base == BLK) g.hex(STATUS_AT, 0);
        g.print(" ");
    }

    /** A three-descriptor block request (header, data, status) in the blk queue's table. */
    private static void blockRequest(ScriptGuest g, int type, long sector, long dataAddr, long dataLen, int dataFlags) {
        header(g, type, sector);
        desc(g, BLK_DESC, 0, HDR, 16, NEXT, 1);
        desc(g, BLK_DESC, 1, dataAddr, dataLen, NEXT | dataFlags, 2);
        desc(g, BLK_DESC, 2, STATUS_AT, 1, WRITE, 0);
    }

    private ScriptGuest script() {
        ScriptGuest g = new ScriptGuest(Layout.UART_BASE);
        g.print("HOSTILE-START ");
        long ramEnd = RAM + (64L << 20);

        // good read of sector 1: the first byte is the host file's
        init(g, BLK, BLK_DESC, FEATURES, QSIZE);
        blockRequest(g, VirtioBlock.T_IN, 1, DATA, 512, WRITE);
        submit(g, BLK, BLK_DESC, 0, 1);
        completes(g, "read", BLK, BLK_DESC, VirtioBlock.S_OK);
        g.print("byte=").hex(DATA, 0).print(" ");

        record Bad(String id, long addr, long len, int flags, int type, String problem) { }
        for (Bad b : List.of(
                new Bad("below-ram", 0x1000, 512, WRITE, VirtioBlock.T_IN, "outside guest RAM"),
                new Bad("past-ram", ramEnd - 256, 512, WRITE, VirtioBlock.T_IN, "outside guest RAM"),
                new Bad("wrap-2^64", 0xffff_ffff_ffff_fe00L, 0x400, WRITE, VirtioBlock.T_IN, "outside guest RAM"),
                new Bad("huge-len", DATA, 0xffff_fe00L, WRITE, VirtioBlock.T_IN, "outside guest RAM"),
                new Bad("mmio-addr", Layout.UART_BASE, 512, WRITE, VirtioBlock.T_IN, "outside guest RAM"),
                new Bad("read-into-readable", DATA, 512, 0, VirtioBlock.T_IN, "must be device-writable"),
                new Bad("write-from-writable", DATA, 512, WRITE, VirtioBlock.T_OUT, "must be device-readable"))) {
            init(g, BLK, BLK_DESC, FEATURES, QSIZE);
            blockRequest(g, b.type, 1, b.addr, b.len, b.flags);
            submit(g, BLK, BLK_DESC, 0, 1);
            hostile(g, b.id, BLK, b.problem);
        }

        // a loop: 0 -> 1 -> 2 -> 1 -> ...
        init(g, BLK, BLK_DESC, FEATURES, QSIZE);
        blockRequest(g, VirtioBlock.T_IN, 1, DATA, 512, WRITE);
        desc(g, BLK_DESC, 2, STATUS_AT, 1, WRITE | NEXT, 1);
        submit(g, BLK, BLK_DESC, 0, 1);
        hostile(g, "loop", BLK, "a loop");

        // readable after writable: header, status (writable), then the header again
        init(g, BLK, BLK_DESC, FEATURES, QSIZE);
        blockRequest(g, VirtioBlock.T_IN, 1, DATA, 512, WRITE);
        desc(g, BLK_DESC, 2, STATUS_AT, 1, WRITE | NEXT, 3);
        desc(g, BLK_DESC, 3, HDR, 16, 0, 0);
        submit(g, BLK, BLK_DESC, 0, 1);
        hostile(g, "readable-after-writable", BLK, "device-readable after a device-writable");

        // no byte for the status
        init(g, BLK, BLK_DESC, FEATURES, QSIZE);
        header(g, VirtioBlock.T_IN, 1);
        desc(g, BLK_DESC, 0, HDR, 16, 0, 0);
        submit(g, BLK, BLK_DESC, 0, 1);
        hostile(g, "no-status", BLK, "no writable byte");

        // indices past the queue: the head, a next link, the avail idx
        init(g, BLK, BLK_DESC, FEATURES, QSIZE);
        blockRequest(g, VirtioBlock.T_IN, 1, DATA, 512, WRITE);
        submit(g, BLK, BLK_DESC, 200, 1);
        hostile(g, "head-past-queue", BLK, "past the queue size");
        init(g, BLK, BLK_DESC, FEATURES, QSIZE);
        blockRequest(g, VirtioBlock.T_IN, 1, DATA, 512, WRITE);
        desc(g, BLK_DESC, 1, DATA, 512, WRITE | NEXT, QSIZE + 1);
        submit(g, BLK, BLK_DESC, 0, 1);
        hostile(g, "next-past-queue", BLK, "past the queue size");
        init(g, BLK, BLK_DESC, FEATURES, QSIZE);
        blockRequest(g, VirtioBlock.T_IN, 1, DATA, 512, WRITE);
        submit(g, BLK, BLK_DESC, 0, 100);
        hostile(g, "avail-jump", BLK, "more than the queue size");

        // indirect tables: a length not a multiple of 16, outside RAM, nested, with NEXT, a loop inside
        record Indirect(String id, long addr, long len, int flags, int entryFlags, String problem) { }
        for (Indirect t : List.of(
                new Indirect("indirect-len-24", TABLE, 24, INDIRECT, NEXT, "not a positive multiple of 16"),
                new Indirect("indirect-outside-ram", ramEnd - 16, 48, INDIRECT, NEXT, "outside guest RAM"),
                new Indirect("indirect-nested", TABLE, 48, INDIRECT, NEXT | INDIRECT, "nested"),
                new Indirect("indirect-with-next", TABLE, 48, INDIRECT | NEXT, NEXT, "indirect and has NEXT"))) {
            init(g, BLK, BLK_DESC, FEATURES, QSIZE);
            header(g, VirtioBlock.T_IN, 1);
            desc(g, TABLE, 0, HDR, 16, t.entryFlags, 1);
            desc(g, TABLE, 1, DATA, 512, WRITE | NEXT, 2);
            desc(g, TABLE, 2, STATUS_AT, 1, WRITE, 0);
            desc(g, BLK_DESC, 0, t.addr, t.len, t.flags, 1);
            submit(g, BLK, BLK_DESC, 0, 1);
            hostile(g, t.id, BLK, t.problem);
        }
        init(g, BLK, BLK_DESC, FEATURES, QSIZE);
        header(g, VirtioBlock.T_IN, 1);
        desc(g, TABLE, 0, HDR, 16, NEXT, 1);
        desc(g, TABLE, 1, DATA, 512, WRITE | NEXT, 2);
        desc(g, TABLE, 2, STATUS_AT, 1, WRITE | NEXT, 1);
        desc(g, BLK_DESC, 0, TABLE, 48, INDIRECT, 0);
        submit(g, BLK, BLK_DESC, 0, 1);
        hostile(g, "indirect-loop", BLK, "a loop");
        // indirect without having negotiated it
        init(g, BLK, BLK_DESC, F_VERSION_1, QSIZE);
        header(g, VirtioBlock.T_IN, 1);
        desc(g, TABLE, 0, HDR, 16, NEXT, 1);
        desc(g, TABLE, 1, DATA, 512, WRITE | NEXT, 2);
        desc(g, TABLE, 2, STATUS_AT, 1, WRITE, 0);
        desc(g, BLK_DESC, 0, TABLE, 48, INDIRECT, 0);
        submit(g, BLK, BLK_DESC, 0, 1);
        hostile(g, "indirect-not-negotiated", BLK, "was not negotiated");

        // rings: outside RAM, a size that is no power of 2 (refused at QueueReady)
        init(g, BLK, Layout.UART_BASE, FEATURES, QSIZE);
        hostile(g, "ring-outside-ram", BLK, "outside guest RAM");
        init(g, BLK, BLK_DESC, FEATURES, 6);
        hostile(g, "queue-size-6", BLK, "not a power of 2");

        // requests the protocol answers with a status: past the disk's end, a sector that overflows, unknown type
        init(g, BLK, BLK_DESC, FEATURES, QSIZE);
        blockRequest(g, VirtioBlock.T_OUT, SECTORS - 1, DATA, 1024, 0);
        submit(g, BLK, BLK_DESC, 0, 1);
        completes(g, "write-past-end", BLK, BLK_DESC, VirtioBlock.S_IOERR);
        init(g, BLK, BLK_DESC, FEATURES, QSIZE);
        blockRequest(g, VirtioBlock.T_IN, SECTORS - 1, DATA, 0x10000, WRITE);
        submit(g, BLK, BLK_DESC, 0, 1);
        completes(g, "read-past-end", BLK, BLK_DESC, VirtioBlock.S_IOERR);
        init(g, BLK, BLK_DESC, FEATURES, QSIZE);
        blockRequest(g, VirtioBlock.T_OUT, 0x0080_0000_0000_0001L, DATA, 512, 0); // sector * 512 wraps 2^64
        submit(g, BLK, BLK_DESC, 0, 1);
        completes(g, "sector-wraps", BLK, BLK_DESC, VirtioBlock.S_IOERR);
        init(g, BLK, BLK_DESC, FEATURES, QSIZE);
        blockRequest(g, VirtioBlock.T_OUT, 1, DATA, 100, 0);
        submit(g, BLK, BLK_DESC, 0, 1);
        completes(g, "partial-sector", BLK, BLK_DESC, VirtioBlock.S_IOERR);
        init(g, BLK, BLK_DESC, FEATURES, QSIZE);
        blockRequest(g, 99, 1, DATA, 512, WRITE);
        submit(g, BLK, BLK_DESC, 0, 1);
        completes(g, "unknown-type", BLK, BLK_DESC, VirtioBlock.S_UNSUPP);

        // a feature the device does not offer: FEATURES_OK stays clear (Status reads 03), one line
        g.st32(BLK + STATUS, 0).st32(BLK + STATUS, S_ACKNOWLEDGE).st32(BLK + STATUS, S_ACKNOWLEDGE | S_DRIVER)
                .st32(BLK + DRIVER_FEATURES_SEL, 1).st32(BLK + DRIVER_FEATURES, 1 | 1 << 8)
                .st32(BLK + STATUS, S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK);
        g.print("unoffered-feature:").hex(BLK + STATUS, 0).print(" ");
        cases.add(new Case("unoffered-feature", "03", "does not offer: FEATURES_OK refused", true));

        // the entropy device: a device-readable buffer, a buffer outside RAM
        init(g, RNG, RNG_DESC, FEATURES, QSIZE);
        desc(g, RNG_DESC, 0, DATA, 64, 0, 0);
        submit(g, RNG, RNG_DESC, 0, 1);
        hostile(g, "rng-readable", RNG, "must be device-writable");
        init(g, RNG, RNG_DESC, FEATURES, QSIZE);
        desc(g, RNG_DESC, 0, ramEnd, 64, WRITE, 0);
        submit(g, RNG, RNG_DESC, 0, 1);
        hostile(g, "rng-outside-ram", RNG, "outside guest RAM");

        // afterwards: the same devices serve good requests
        init(g, BLK, BLK_DESC, FEATURES, QSIZE);
        for (int i = 0; i < 64; i++) g.st64(DATA + 8L * i, GOOD_WORD);
        blockRequest(g, VirtioBlock.T_OUT, GOOD_SECTOR, DATA, 512, 0);
        submit(g, BLK, BLK_DESC, 0, 1);
        completes(g, "good-write", BLK, BLK_DESC, VirtioBlock.S_OK);
        init(g, BLK, BLK_DESC, FEATURES, QSIZE);
        header(g, VirtioBlock.T_FLUSH, 0);
        desc(g, BLK_DESC, 0, HDR, 16, NEXT, 1);
        desc(g, BLK_DESC, 1, STATUS_AT, 1, WRITE, 0);
        submit(g, BLK, BLK_DESC, 0, 1);
        completes(g, "good-flush", BLK, BLK_DESC, VirtioBlock.S_OK);
        init(g, BLK, BLK_DESC, FEATURES, QSIZE);
        for (int i = 0; i < 64; i++) g.st64(DATA + 8L * i, 0);
        blockRequest(g, VirtioBlock.T_IN, GOOD_SECTOR, DATA, 512, WRITE);
        submit(g, BLK, BLK_DESC, 0, 1);
        completes(g, "good-read", BLK, BLK_DESC, VirtioBlock.S_OK);
        g.print("back=").hex(DATA + 504, 0).hex(DATA + 508, 3).print(" ");
        init(g, RNG, RNG_DESC, FEATURES, QSIZE);
        desc(g, RNG_DESC, 0, DATA, 64, WRITE, 0);
        submit(g, RNG, RNG_DESC, 0, 1);
        g.waitFor(used(RNG_DESC), 0xffff_0000L, 1L << 16);
        g.print("rng-good:").hex(RNG + STATUS, 0).print(" len=").hex(used(RNG_DESC) + 8, 0);
        g.print(" HOSTILE-END\n");
        return g;
    }

    private static byte[] disk() {
        byte[] b = new byte[SECTORS * 512 + TAIL];
        for (int i = 0; i < b.length; i++) b[i] = (byte) (i * 7 + i / 512);
        return b;
    }

    @Test
    void aHostileGuestGetsErrorsAndNeedsResetAndKvm4jStaysUp() throws Exception {
        Path kernel = dir.resolve("hostile.Image");
        Files.write(kernel, script().image());
        byte[] original = disk();
        Path image = dir.resolve("disk.img");
        Files.write(image, original);

        MachineConfig config = MachineConfig.builder().kernel(kernel).cpus(1).memory(64L << 20).build();
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        RunEnd end;
        try (Machine m = Machine.builder(config).console(console).log(lines::add)
                .add(VirtioBlock.open(image, false)).add(new VirtioRng()).build()) {
            m.start();
            end = m.await(Duration.ofMinutes(5)).orElse(null);
            if (end == null) m.stop("test timeout");
        }
        String out;
        synchronized (console) {
            out = console.toString(StandardCharsets.ISO_8859_1);
        }
        System.out.println("guest: " + out);
        lines.forEach(l -> System.out.println("problem: " + l));
        assertNotNull(end, "the guest did not power off; console: " + out);
        assertInstanceOf(PowerEvent.PowerOff.class, assertInstanceOf(RunEnd.Power.class, end).event(), end.message());
        assertTrue(out.contains("HOSTILE-END"), out);
        String results = out.substring(out.indexOf("HOSTILE-START") + 13, out.indexOf("HOSTILE-END"));
        assertFalse(results.contains("T"), "a wait timed out (T) in: " + results);

        // each case's Status register (and status byte for the disk), in order
        for (Case c : cases) {
            Matcher at = Pattern.compile("(?<![-\\w])" + Pattern.quote(c.id) + ":([0-9a-f]+) ").matcher(out);
            assertTrue(at.find(), c.id + " missing in: " + out);
            assertEquals(c.expected, at.group(1), c.id + " in: " + out);
        }
        assertTrue(out.contains(String.format("byte=%02x ", original[512] & 0xff)), "the good read's first byte: " + out);
        assertTrue(out.contains("back=6b6b "), "the good write read back: " + out);
        assertTrue(out.contains("rng-good:0f len=40"), out);

        // one line per broken request, naming what was wrong, in order
        List<String> resets = lines.stream().filter(l -> l.contains("device needs reset")).toList();
        List<Case> hostile = cases.stream().filter(c -> c.expected.startsWith("4f")).toList();
        assertEquals(hostile.size(), resets.size(), "needs-reset lines:\n" + String.join("\n", lines));
        for (int i = 0; i < hostile.size(); i++) {
            assertTrue(resets.get(i).contains(hostile.get(i).problem), hostile.get(i).id + ": " + resets.get(i));
        }
        assertTrue(lines.stream().anyMatch(l -> l.contains("FEATURES_OK refused")), String.join("\n", lines));
        long answered = cases.stream().filter(c -> c.hostile && c.expected.startsWith("0f")).count();
        System.out.printf("hostile guest: %d cases: %d broken requests -> NEEDS_RESET, %d bad requests answered with an error status, 1 refused feature%n",
                cases.stream().filter(Case::hostile).count(), hostile.size(), answered);

        // the disk: only the good write's sector changed; the tail past the last whole sector untouched
        byte[] after = Files.readAllBytes(image);
        assertEquals(original.length, after.length, "the file's size");
        byte[] expected = original.clone();
        for (int i = 0; i < 512; i++) expected[GOOD_SECTOR * 512 + i] = (byte) (GOOD_WORD >>> (8 * (i % 8)));
        assertArrayEquals(Arrays.copyOfRange(expected, SECTORS * 512, expected.length), Arrays.copyOfRange(after, SECTORS * 512, after.length), "the tail");
        assertArrayEquals(expected, after, "the disk outside the good write");
    }
}
