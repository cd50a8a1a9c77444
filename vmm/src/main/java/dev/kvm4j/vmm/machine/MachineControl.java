package dev.kvm4j.vmm.machine;

import dev.kvm4j.vmm.control.Controllable;
import dev.kvm4j.vmm.snapshot.SnapshotWriter;

import java.nio.file.Path;
import java.util.Locale;

/** A {@link Machine} behind the control socket. */
final class MachineControl implements Controllable {
    private final Machine machine;

    MachineControl(Machine machine) { this.machine = machine; }

    @Override
    public String pause() throws InterruptedException {
        requireAlive();
        machine.pause();
        return "paused";
    }

    @Override
    public String resume() {
        requireAlive();
        machine.resume();
        return "running";
    }

    @Override
    public String snapshot(Path file) throws InterruptedException {
        requireAlive();
        long t0 = System.nanoTime();
        SnapshotWriter.Written w = machine.snapshot(file);
        return String.format("%s %d bytes, %d of %d pages, %d ms", w.file(), w.bytes(), w.pagesStored(), w.pages(),
                (System.nanoTime() - t0) / 1_000_000);
    }

    @Override
    public String quit() {
        machine.requestStop(Stop.BY_CONTROL);
        return "stopping";
    }

    @Override
    public String status() { return machine.phase().name().toLowerCase(Locale.ROOT); }

    private void requireAlive() {
        Machine.Phase p = machine.phase();
        if (p == Machine.Phase.ENDED || p == Machine.Phase.CLOSED) throw new IllegalStateException("the machine has ended");
    }
}
