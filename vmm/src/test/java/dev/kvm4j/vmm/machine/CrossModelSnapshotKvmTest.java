package dev.kvm4j.vmm.machine;

import dev.kvm4j.arm.cpu.RegisterClass;
import dev.kvm4j.arm.gic.GicVersion;
import dev.kvm4j.arm.regs.CpuState;
import dev.kvm4j.arm.regs.RegisterId;
import dev.kvm4j.arm.regs.RegisterValue;
import dev.kvm4j.kvm.testing.RealKvm;
import dev.kvm4j.vmm.BootTimeline;
import dev.kvm4j.vmm.snapshot.MachineState;
import dev.kvm4j.vmm.snapshot.SnapshotException;
import dev.kvm4j.vmm.snapshot.SnapshotFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A snapshot taken on one CPU model is refused on another, naming the registers that differ with both values,
 * before anything runs. ./test runs the ARM suite once per rig model with one shared directory (/share, or
 * KVM4J_CROSS_MODEL_DIR): each run leaves a small snapshot there as MODEL.snap (MODEL = KVM4J_RIG_MODEL, or
 * the host's MIDR_EL1) and restores every other model's snapshot it finds. The first model finds none.
 */
@RealKvm(arch = "aarch64")
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class CrossModelSnapshotKvmTest {
    /** /share is packed into the rig's RAM on every run: the snapshots must stay small. */
    private static final long MOST_BYTES = 256 * 1024;
    private static final RegisterId MIDR = RegisterId.parse("MIDR_EL1");

    @TempDir
    Path tmp;

    private static Path shared() {
        Path dir = Path.of(System.getenv().getOrDefault("KVM4J_CROSS_MODEL_DIR", "/share"));
        assumeTrue(Files.isDirectory(dir) && Files.isWritable(dir),
                dir + " is not a writable directory: this run has no directory shared between CPU models (./test gives one)");
        return dir;
    }

    /** A machine built but never started: its snapshot is the bare guest's few pages and this host's registers. */
    private MachineState saveOwn(Path file) throws Exception {
        try (Machine m = Machine.builder(BareGuest.config(tmp, GicVersion.AUTO)).build()) {
            m.snapshot(file);
            return m.state();
        }
    }

    private static String modelName(MachineState own) {
        String model = System.getenv("KVM4J_RIG_MODEL");
        if (model != null && model.matches("[A-Za-z0-9_-]+")) return model;
        return String.format("midr-%x", own.vcpus().getFirst().registers().getLong(MIDR));
    }

    @Test
    void thisModelLeavesASmallSnapshotForTheOthers() throws Exception {
        Path dir = shared();
        Path local = tmp.resolve("own.snap");
        MachineState own = saveOwn(local);
        Path file = dir.resolve(modelName(own) + ".snap");
        Files.copy(local, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        long size = Files.size(file);
        assertTrue(size <= MOST_BYTES, file + " is " + size + " bytes, more than the " + MOST_BYTES + " a shared run may carry");
        assertEquals(own.vcpus().getFirst().registers().getLong(MIDR), SnapshotFile.read(file).state().vcpus().getFirst().registers().getLong(MIDR));
        System.out.printf("cross-model: left %s (%d bytes, MIDR_EL1 0x%x, %s)%n", file, size,
                own.vcpus().getFirst().registers().getLong(MIDR), own.gic().version().label());
    }

    @Test
    void anotherModelsSnapshotIsRefusedNamingTheRegistersBeforeAnythingRuns() throws Exception {
        Path dir = shared();
        MachineState own = saveOwn(tmp.resolve("own.snap"));
        String me = modelName(own) + ".snap";
        List<Path> foreign;
        try (Stream<Path> files = Files.list(dir)) {
            foreign = files.filter(p -> p.getFileName().toString().endsWith(".snap") && !p.getFileName().toString().equals(me)).sorted().toList();
        }
        assumeTrue(!foreign.isEmpty(), "no other CPU model's snapshot in " + dir + " yet (the first model of a run leaves one for the next)");
        CpuState mine = own.vcpus().getFirst().registers();
        for (Path file : foreign) {
            MachineState theirs = SnapshotFile.read(file).state();
            CpuState other = theirs.vcpus().getFirst().registers();
            List<String> expected = new ArrayList<>();
            for (var e : other.values().entrySet()) {
                RegisterValue here = mine.values().get(e.getKey());
                if (RegisterClass.of(e.getKey()).constant() && here != null && !here.equals(e.getValue())) {
                    expected.add(e.getKey().name() + ": snapshot " + e.getValue() + ", this host " + here);
                }
            }
            assumeTrue(!expected.isEmpty() || theirs.gic().version() != own.gic().version(),
                    file + " was taken on a CPU with the same constant registers and GIC as this one: nothing to refuse");

            ByteArrayOutputStream console = new ByteArrayOutputStream();
            BootTimeline timeline = new BootTimeline();
            var e = assertThrows(SnapshotException.class, () -> Machine.restore(file, Machine.options().console(console).timeline(timeline)),
                    file + " restored on a host with other constant registers");
            String m = e.getMessage();
            System.out.println("cross-model: " + file.getFileName() + " here: " + m);
            assertEquals(1, m.lines().count(), m);
            assertTrue(m.contains("taken on a host this one cannot stand in for"), m);
            if (other.getLong(MIDR) != mine.getLong(MIDR)) {
                assertTrue(m.contains(String.format("MIDR_EL1: snapshot 0x%x, this host 0x%x", other.getLong(MIDR), mine.getLong(MIDR))), m);
            }
            // The refusal lists its first differences in full; every register one is named with both values.
            int named = 0;
            for (String line : expected) if (m.contains(line)) named++;
            assertTrue(named > 0 || expected.isEmpty(), "no differing register named: " + m + "\nexpected among: " + expected);
            var count = java.util.regex.Pattern.compile("\\((\\d+) differences?\\)").matcher(m);
            assertTrue(count.find(), m);
            int least = expected.size() + (theirs.gic().version() != own.gic().version() ? 1 : 0);
            assertTrue(Integer.parseInt(count.group(1)) >= least, "at least " + least + " differences: " + m);
            if (theirs.gic().version() != own.gic().version()) {
                assertTrue(m.contains("GIC version: snapshot " + theirs.gic().version().label() + ", this host " + own.gic().version().label()), m);
            }
            assertEquals(0, console.size(), "nothing reached the console");
            assertTrue(timeline.marks().stream().noneMatch(mark -> mark.name().equals(BootTimeline.FIRST_INSTRUCTION)), "no vCPU ran");
        }
    }
}
