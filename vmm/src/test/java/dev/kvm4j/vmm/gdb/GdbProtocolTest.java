package dev.kvm4j.vmm.gdb;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The stub over a real socket against {@link FakeTarget}: every command, every kind of malformed packet. */
class GdbProtocolTest {
    private FakeTarget target;
    private GdbServer server;
    private RspClient gdb;

    @BeforeEach
    void start() throws IOException {
        target = new FakeTarget();
        server = GdbServer.start(new InetSocketAddress("127.0.0.1", 0), target);
        gdb = new RspClient(server.port());
    }

    @AfterEach
    void stop() throws IOException {
        gdb.close();
        server.close();
    }

    @Test
    void qSupportedAndTheTargetDescriptionInAnyChunkSize() throws IOException {
        String s = gdb.ask("qSupported:multiprocess+;swbreak+;hwbreak+;qRelocInsn+");
        assertTrue(s.contains("PacketSize=4000") && s.contains("qXfer:features:read+") && s.contains("vContSupported+"), s);
        String whole = gdb.ask("qXfer:features:read:target.xml:0,3fff");
        assertTrue(whole.startsWith("l<?xml"), whole);
        String xml = whole.substring(1);
        assertEquals(TargetDescription.AARCH64.xml(), xml);
        StringBuilder pieces = new StringBuilder();
        for (int off = 0; ; off += 100) {
            String part = gdb.ask("qXfer:features:read:target.xml:" + Integer.toHexString(off) + ",64");
            pieces.append(part.substring(1));
            if (part.startsWith("l")) break;
            assertEquals('m', part.charAt(0));
        }
        assertEquals(xml, pieces.toString());
        assertTrue(xml.contains("org.gnu.gdb.aarch64.core") && xml.contains("org.gnu.gdb.aarch64.fpu"));
        assertTrue(xml.contains("<reg name=\"sctlr_el1\" bitsize=\"64\" regnum=\"68\" type=\"uint64\" group=\"system\"/>"), xml);
        for (String name : TargetDescription.SYSTEM_REGISTERS) {
            assertTrue(dev.kvm4j.arm.regs.SystemRegisters.id(name).isPresent(), name + " is in the system-register table the machine reads it by");
            assertTrue(xml.contains("\"" + name.toLowerCase(java.util.Locale.ROOT) + "\""), name);
        }
        assertEquals("E00", gdb.ask("qXfer:features:read:other.xml:0,10"));
        assertEquals("", gdb.ask("qXfer:auxv:read::0,10"), "an object we do not offer");
    }

    @Test
    void registersByGPacketAndByNumber() throws IOException {
        String g = gdb.ask("g");
        assertEquals(2 * TargetDescription.AARCH64.gPacketBytes(), g.length());
        assertEquals(2 * (31 * 8 + 8 + 8 + 4 + 32 * 16 + 4 + 4 + TargetDescription.SYSTEM_REGISTERS.size() * 8), g.length(),
                "x0-x30, sp, pc, cpsr, v0-v31, fpsr, fpcr, the system registers");
        assertEquals("0010000000000000", g.substring(0, 16), "x0 = 0x1000 little-endian");
        assertEquals("0000004000000000", gdb.ask("p20"), "pc (32)");
        assertEquals("c5030000", gdb.ask("p21"), "cpsr (33) is 32 bits");
        assertEquals(32, gdb.ask("p22").length(), "v0 (34) is 128 bits");
        assertEquals("OK", gdb.ask("P1=efbeadde00000000"));
        assertEquals("efbeadde00000000", gdb.ask("p1"));
        assertEquals("0000000000000000", gdb.ask("p44"), "68: sctlr_el1");
        assertEquals("E16", gdb.ask("p" + Integer.toHexString(TargetDescription.FIRST_SYSTEM_REGISTER + TargetDescription.SYSTEM_REGISTERS.size())), "no register after the system ones");
        assertEquals("E16", gdb.ask("P1=00"), "wrong size");
        assertEquals("OK", gdb.ask("Hg2"));
        assertEquals("0120000000000000", gdb.ask("p1"), "x1 of vCPU 1");
        assertEquals("OK", gdb.ask("G" + g));
        assertEquals(g, gdb.ask("g"), "vCPU 1 now holds vCPU 0's registers");
    }

    @Test
    void memoryReadsWritesAndBinaryWritesWithEscapes() throws IOException {
        assertEquals("1f2003d51f2003d5", gdb.ask("m40000000,8"));
        assertEquals("E0e", gdb.ask("m1000,4"), "unmapped: EFAULT");
        assertEquals("OK", gdb.ask("M40000010,4:78563412"));
        assertEquals("78563412", gdb.ask("m40000010,4"));
        // X with the bytes the protocol escapes: } # $ * travel as } followed by the byte ^ 0x20
        String x = "X40000020,5:" + "}" + (char) ('}' ^ 0x20) + "}" + (char) ('#' ^ 0x20) + "}" + (char) ('$' ^ 0x20) + "}" + (char) ('*' ^ 0x20) + "A";
        assertEquals("OK", gdb.ask(x));
        assertEquals("7d23242a41", gdb.ask("m40000020,5"));
        assertEquals("OK", gdb.ask("X40000000,0:"), "gdb's probe for X");
        assertEquals("E16", gdb.ask("X40000020,4:ab"), "length disagrees with the data");
        assertEquals("E0e", gdb.ask("Mffffffff,4:00000000"));
    }

    @Test
    void malformedPacketsGetErrorsAndTheSessionCarriesOn() throws IOException {
        for (String bad : new String[]{"mzz,4", "m4000", "m40000000,zz", "Gxyz", "P", "Pzz=00", "Z0,", "Z0,1,2,3", "Zq,1,4",
                "M40000000,4:zz", "Hq1", "Hgzz", "Tzz", "vCont;x", "vCont;", "c4000*0", "Z1,40000000,ffffffffffffffffff"}) {
            String r = gdb.ask(bad);
            assertTrue(r.startsWith("E"), bad + " → " + r);
        }
        assertEquals("", gdb.ask("Z7,40000000,4"), "an unknown breakpoint type is unsupported, not an error");
        assertEquals("", gdb.ask("qUnknownThing"));
        assertEquals("", gdb.ask("vMustReplyEmpty"));
        assertEquals("", gdb.ask(""));
        // a bad checksum gets '-', and gdb's resend works
        gdb.raw("$g#00");
        assertEquals('-', gdb.read());
        // garbage between packets is skipped; a packet cut short by a new '$' is dropped
        gdb.raw("xyz\r\n$m4000$");
        assertEquals("1f2003d5", gdb.ask("m40000000,4"));
        // too long: read to its end and refused, nothing kept
        gdb.raw(RspClient.frame("M40000000,2000:" + "00".repeat(0x2000)));
        gdb.expectAck();
        assertEquals("E16", gdb.reply());
        assertEquals("1f2003d5", gdb.ask("m40000000,4"), "still serving");
        // a huge read is cut to what fits a packet
        assertEquals(2 * GdbCommands.MAX_MEMORY_READ, gdb.ask("m40000000,4000").length());
    }

    @Test
    void threadsAreVcpus() throws IOException {
        assertEquals("m1,2", gdb.ask("qfThreadInfo"));
        assertEquals("l", gdb.ask("qsThreadInfo"));
        assertEquals("QC1", gdb.ask("qC"));
        assertEquals("OK", gdb.ask("T2"));
        assertEquals("E03", gdb.ask("T3"));
        assertEquals("E03", gdb.ask("Hg3"));
        assertEquals("OK", gdb.ask("Hg-1"));
        assertEquals("OK", gdb.ask("Hgp1.2"), "multiprocess thread ids");
        assertEquals("QC2", gdb.ask("qC"));
        assertEquals(hex("vCPU 1"), gdb.ask("qThreadExtraInfo,2"));
        assertEquals("1", gdb.ask("qAttached"));
        assertEquals("T05thread:1;", gdb.ask("?"));
    }

    @Test
    void breakpointsStopRepliesStepAndVCont() throws IOException {
        gdb.ask("qSupported:swbreak+;hwbreak+");
        assertEquals("OK", gdb.ask("Z0,40000010,4"));
        assertEquals("OK", gdb.ask("Z1,40000020,4"));
        assertEquals("OK", gdb.ask("Z1,40000030,4"));
        assertEquals("E1c", gdb.ask("Z1,40000040,4"), "two hardware slots: ENOSPC");
        assertEquals("T05swbreak:;thread:1;", gdb.ask("c"));
        assertEquals(0x4000_0010L, target.pc(0));
        assertEquals("OK", gdb.ask("z0,40000010,4"));
        assertEquals("T05hwbreak:;thread:1;", gdb.ask("c"));
        assertEquals("OK", gdb.ask("z1,40000020,4"));
        assertEquals("OK", gdb.ask("z1,40000030,4"));
        assertEquals("OK", gdb.ask("Z2,40001000,8"));
        assertEquals("T05watch:40001000;thread:1;", gdb.ask("c"));
        assertEquals("OK", gdb.ask("z2,40001000,8"));
        assertEquals("OK", gdb.ask("Z3,40001000,4"));
        assertEquals("T05rwatch:40001000;thread:1;", gdb.ask("c"));
        assertEquals("OK", gdb.ask("z3,40001000,4"));
        assertEquals("OK", gdb.ask("Z4,40001000,4"));
        assertEquals("T05awatch:40001000;thread:1;", gdb.ask("vCont;c"));
        assertEquals("OK", gdb.ask("z4,40001000,4"));

        assertEquals("vCont;c;C;s;S", gdb.ask("vCont?"));
        long pc1 = target.pc(1);
        assertEquals("T05thread:2;", gdb.ask("vCont;s:2;c"));
        assertEquals(pc1 + 4, target.pc(1), "vCPU 1 stepped one instruction");
        assertEquals("QC2", gdb.ask("qC"), "the stopped thread is current");
        assertEquals("OK", gdb.ask("Hc1"));
        assertEquals("T05thread:1;", gdb.ask("s40000100"));
        assertEquals(0x4000_0104L, target.pc(0), "s with an address starts there");
        assertEquals("T05thread:1;", gdb.ask("S05"), "a signal to a VM is dropped");
        assertEquals("W00", gdb.ask("c"), "no breakpoints: the fake machine ends");
    }

    @Test
    void ctrlCStopsARunningTarget() throws IOException {
        target.runUntilInterrupted = true;
        gdb.raw(RspClient.frame("c"));
        gdb.expectAck();
        gdb.raw("\u0003");
        assertEquals("T02thread:1;", gdb.reply());
        assertTrue(target.log.contains("interrupt"));
    }

    @Test
    void noAckModeStopsAcknowledgements() throws IOException {
        assertEquals("OK", gdb.ask("QStartNoAckMode"));
        gdb.acks = false;
        assertEquals("QC1", gdb.ask("qC"));
        assertEquals("1f2003d5", gdb.ask("m40000000,4"));
    }

    @Test
    void detachKillAndADroppedConnection() throws Exception {
        assertEquals("OK", gdb.ask("Z0,40000010,4"));
        assertEquals("OK", gdb.ask("D"));
        assertTrue(target.detached.await(30, TimeUnit.SECONDS));
        assertTrue(target.inserted.isEmpty(), "detach removed the breakpoints");

        FakeTarget t2 = new FakeTarget();
        try (GdbServer s2 = GdbServer.start(new InetSocketAddress("127.0.0.1", 0), t2); RspClient c = new RspClient(s2.port())) {
            c.raw(RspClient.frame("k"));
            c.expectAck();
            assertTrue(t2.killed.await(30, TimeUnit.SECONDS));
            assertEquals(-1, c.read(), "the stub closes after k");
        }

        FakeTarget t3 = new FakeTarget();
        try (GdbServer s3 = GdbServer.start(new InetSocketAddress("127.0.0.1", 0), t3)) {
            RspClient c = new RspClient(s3.port());
            assertEquals("OK", c.ask("Z0,40000010,4"));
            c.close(); // gdb crashed
            assertTrue(t3.detached.await(30, TimeUnit.SECONDS), "a dropped connection detaches: the guest runs on");
        }
    }

    @Test
    void aSecondGdbIsRefusedAndTheFirstKeepsWorking() throws Exception {
        assertEquals("QC1", gdb.ask("qC"));
        assertTrue(server.connected());
        try (RspClient second = new RspClient(server.port())) {
            assertEquals(GdbServer.BUSY, second.ask("qSupported"));
            assertEquals(-1, second.read(), "then closed");
        }
        assertEquals("QC1", gdb.ask("qC"));
        assertEquals(0, target.detached.getCount() == 0 ? 1 : 0, "the first session was not detached");
    }

    @Test
    void aGdbThatConnectsAfterADetachFindsTheTargetStoppedForIt() throws Exception {
        assertEquals("OK", gdb.ask("D"));
        assertTrue(target.detached.await(30, TimeUnit.SECONDS));
        gdb.close();
        // the session ends a moment after D: the next gdb may find the old one still there, and is told so
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String first;
        RspClient again;
        do {
            again = new RspClient(server.port());
            first = again.ask("qSupported");
            if (!first.equals(GdbServer.BUSY)) break;
            again.close();
            Thread.sleep(50);
        } while (System.nanoTime() < end);
        try (RspClient c = again) {
            assertTrue(first.contains("PacketSize"), first);
            assertTrue(c.ask("?").startsWith("T05"), "a stop to show");
            synchronized (target) {
                assertEquals(2, target.log.stream().filter("attach"::equals).count(), "each connection stopped the target first: " + target.log);
            }
        }
    }

    private static String hex(String s) { return Hex.bytes(s.getBytes(StandardCharsets.US_ASCII)); }
}
