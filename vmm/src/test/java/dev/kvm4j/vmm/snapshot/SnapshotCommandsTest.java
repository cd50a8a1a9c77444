package dev.kvm4j.vmm.snapshot;

import dev.kvm4j.kvm.GuestMemory;
import dev.kvm4j.vmm.cli.Main;
import dev.kvm4j.vmm.machine.KvmRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** {@code kvm4j snapshot-info} and {@code kvm4j restore} on the command line, without KVM. */
class SnapshotCommandsTest {
    @TempDir
    Path dir;

    final StringWriter out = new StringWriter(), err = new StringWriter();

    private int run(String... args) {
        KvmRunner runner = new KvmRunner(InputStream.nullInputStream(), OutputStream.nullOutputStream(), new PrintWriter(out, true));
        return Main.execute(args, runner, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    private Path snapshot() {
        Path f = dir.resolve("vm.snap");
        try (GuestMemory ram = SampleStates.ram()) {
            SnapshotWriter.write(f, SampleStates.twoVcpus(), ram);
        }
        return f;
    }

    @Test
    void snapshotInfoPrintsTheHeaderAndEverySection() {
        Path f = snapshot();
        assertEquals(0, run("snapshot-info", f.toString()), err.toString());
        String o = out.toString();
        assertTrue(o.contains("cpus: 2") && o.contains("gic: GICv3") && o.contains("command line: console=ttyAMA0 quiet"), o);
        assertTrue(o.contains("RAM: 3 of 16384 pages stored"), o);
        for (String tag : new String[] {"HEAD", "CONF", "VCPU", "VGIC", "UART", "RAM", "END"}) {
            assertTrue(o.lines().anyMatch(l -> l.strip().startsWith(tag + " ") && l.endsWith("ok")), tag + " missing:\n" + o);
        }
        assertEquals(2, o.lines().filter(l -> l.strip().startsWith("VCPU ")).count());
    }

    @Test
    void snapshotInfoOfADamagedFileIsOneLineAndStatus2() throws Exception {
        Path f = snapshot();
        byte[] b = Files.readAllBytes(f);
        b[b.length - 20] ^= 1; // the RAM image's last page
        Files.write(f, b);
        assertEquals(2, run("snapshot-info", f.toString()));
        String e = err.toString();
        assertEquals(1, e.lines().count(), e);
        assertTrue(e.startsWith("kvm4j: snapshot " + f + ": section RAM"), e);
        assertTrue(e.contains("fails its checksum"), e);
    }

    @Test
    void restoreOfATruncatedFileIsRefusedBeforeKvmIsOpened() throws Exception {
        Path f = snapshot();
        byte[] b = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(b, b.length / 3));
        assertEquals(2, run("restore", f.toString()));
        String e = err.toString();
        assertEquals(1, e.lines().count(), e);
        assertTrue(e.startsWith("kvm4j: snapshot " + f + " is truncated"), e);
    }

    @Test
    void restoreOfSomethingElseSaysItIsNoSnapshot() throws Exception {
        Path f = Files.writeString(dir.resolve("notes.txt"), "hello");
        assertEquals(2, run("restore", f.toString()));
        assertEquals("kvm4j: snapshot " + f + " is not a kvm4j snapshot (no KVM4JSNP magic at its start)", err.toString().strip());
    }
}
