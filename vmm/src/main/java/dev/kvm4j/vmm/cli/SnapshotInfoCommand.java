package dev.kvm4j.vmm.cli;

import dev.kvm4j.vmm.snapshot.SnapshotFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code kvm4j snapshot-info FILE}: the header and section table of a snapshot, every checksum checked. */
@Command(name = "snapshot-info", mixinStandardHelpOptions = true,
        description = "Check a snapshot file (magic, version, every section's length and checksum) and print its header and sections.")
public final class SnapshotInfoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "The snapshot file.")
    Path file;

    @Override
    public Integer call() {
        SnapshotFile f = SnapshotFile.read(file);
        f.verifyRam();
        PrintWriter out = spec.commandLine().getOut();
        out.print(f.header());
        out.printf("file: %d bytes, format version %d; RAM: %d of %d pages stored%n", f.size(), f.version(), f.storedPages(), f.ramPages());
        out.println("sections:");
        for (SnapshotFile.Section s : f.sections()) {
            out.printf("  %-4s at %12d  %12d bytes  crc32c %08x  ok%n", s.name(), s.offset(), s.length(), s.crc());
        }
        out.flush();
        return 0;
    }
}
