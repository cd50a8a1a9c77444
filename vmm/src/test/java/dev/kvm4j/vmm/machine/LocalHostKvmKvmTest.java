package dev.kvm4j.vmm.machine;

import dev.kvm4j.arm.gic.GicVersion;
import dev.kvm4j.arm.gic.Vgic;
import dev.kvm4j.kvm.Kvm;
import dev.kvm4j.kvm.Vm;
import dev.kvm4j.kvm.testing.RealKvm;
import dev.kvm4j.vmm.cli.Main;
import dev.kvm4j.vmm.loader.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/** The real host probe on an arm64 host with KVM: "auto" is the vGIC this KVM creates, and --check asks it nothing. */
@RealKvm(arch = "aarch64")
class LocalHostKvmKvmTest {
    @TempDir
    Path dir;

    private static GicVersion createdByAuto() {
        try (Kvm kvm = Kvm.open(); Vm vm = kvm.createVm(); Vgic vgic = Vgic.create(vm, GicVersion.AUTO)) {
            return vgic.version();
        }
    }

    @Test
    void autoIsTheVgicThisHostsKvmCreates() {
        assertEquals(createdByAuto(), HostKvm.local().autoGic());
    }

    @Test
    void dumpDtbAsksTheHostOnceAndCheckNever() throws Exception {
        AtomicInteger opens = new AtomicInteger();
        HostKvm host = new LocalHostKvm(System.getProperty("os.arch"), () -> {
            opens.incrementAndGet();
            return Kvm.open();
        });
        Path kernel = Files.write(dir.resolve("Image"), TestImages.arm64(64 * 1024));
        Path dtb = dir.resolve("auto.dtb");
        StringWriter out = new StringWriter(), err = new StringWriter();
        KvmRunner runner = new KvmRunner(InputStream.nullInputStream(), OutputStream.nullOutputStream(), new PrintWriter(out, true), host);

        assertEquals(0, Main.execute(new String[] {"run", "--kernel", kernel.toString(), "--check"}, runner,
                new PrintWriter(out, true), new PrintWriter(err, true)), err.toString());
        assertEquals(0, opens.get(), "--check opened /dev/kvm");

        assertEquals(0, Main.execute(new String[] {"run", "--kernel", kernel.toString(), "--dump-dtb", dtb.toString()}, runner,
                new PrintWriter(out, true), new PrintWriter(err, true)), err.toString());
        assertEquals(1, opens.get());
        String blob = new String(Files.readAllBytes(dtb), StandardCharsets.ISO_8859_1);
        String compatible = createdByAuto() == GicVersion.V3 ? "arm,gic-v3" : "arm,cortex-a15-gic";
        assertTrue(blob.contains(compatible), "the tree's GIC is the host's: " + compatible);
    }
}
