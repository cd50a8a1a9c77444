package dev.kvm4j.vmm.machine;

import dev.kvm4j.arm.gic.GicAbi;
import dev.kvm4j.arm.gic.GicVersion;
import dev.kvm4j.arm.regs.CoreRegister;
import dev.kvm4j.arm.state.GicState;
import dev.kvm4j.kvm.testing.RealKvm;
import dev.kvm4j.vmm.snapshot.MachineState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static dev.kvm4j.vmm.machine.BareGuest.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Interrupts pending, not yet taken, at the snapshot are taken by the restored machine: a bare guest (the vGIC
 * the host offers: v2 on gic-version=2 hosts, v3 on the others) sets up INTIDs 75 and 76 with its IRQs masked
 * and makes 75 pending itself; the test raises 76 through KVM_IRQ_LINE while the machine is paused. The
 * snapshot's vGIC holds both pending; the first machine never unmasks, the restored one is told to (a flag
 * in its RAM) and its handler prints each INTID it acknowledges — nothing injects them after the restore.
 */
@RealKvm(arch = "aarch64")
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class PendingInterruptSnapshotKvmTest {
    private static final Duration WAIT = Duration.ofMinutes(2);

    @TempDir
    Path dir;

    @Test
    void interruptsPendingAtTheSnapshotAreTakenAfterTheRestore() throws Exception {
        Path file = dir.resolve("pending.snap");
        GicVersion gic;
        long flag;
        GuestConsole before = new GuestConsole();
        try (Machine probe = Machine.builder(BareGuest.config(dir, GicVersion.AUTO)).build()) {
            gic = probe.gic(); // the guest's code is built for one GIC version: ask the host which it offers
        }
        try (Machine m = Machine.builder(BareGuest.config(dir, gic)).console(before).build()) {
            m.start();
            assertTrue(before.await("R\n", WAIT), "the guest did not report ready; console:\n" + before.text());
            m.pause();
            // An edge on SPI 44: latched pending while the vCPU is out of KVM_RUN.
            m.vgic().interrupts().spiLine(HOST_RAISED - 32).raise();
            m.vgic().interrupts().spiLine(HOST_RAISED - 32).lower();
            m.snapshot(file);
            MachineState s = m.state();
            flag = s.vcpus().getFirst().registers().getLong(CoreRegister.x(3));
            assertEquals(0, m.ram().readInt(flag), "the flag the guest polls (its x3) is still clear");
            long pending = pendingWord(s.gic(), 2);
            assertEquals(3L << 11, pending & 3L << 11, String.format("ISPENDR2 at the snapshot: 0x%x", pending));
            m.stop();
        }
        assertFalse(before.text().contains("<"), "the first machine took no interrupt (IRQs masked): " + before.text());

        GuestConsole after = new GuestConsole();
        try (Machine r = Machine.restore(file, Machine.options().console(after))) {
            assertEquals(gic, r.gic());
            r.ram().writeInt(flag, 1);
            r.start();
            for (int intid : new int[] {GUEST_PENDED, HOST_RAISED}) {
                assertTrue(after.await(taken(intid), WAIT), "INTID " + intid + " not taken after the restore; console:\n" + after.text());
            }
            r.stop();
        }
        assertFalse(after.text().contains("!"), "no stray exception: " + after.text());
        assertEquals(1, count(after.text(), taken(GUEST_PENDED)), "taken once: " + after.text());
        System.out.printf("%s: INTIDs %d (ISPENDR by the guest) and %d (KVM_IRQ_LINE while paused) taken after the restore%n",
                gic.label(), GUEST_PENDED, HOST_RAISED);
    }

    /** Distributor ISPENDR word {@code n} (INTIDs 32n..32n+31) in a saved vGIC. */
    private static long pendingWord(GicState s, int n) {
        return s.attributes().stream().filter(a -> a.group() == GicAbi.KVM_DEV_ARM_VGIC_GRP_DIST_REGS && a.attr() == 0x200 + 4L * n)
                .findFirst().orElseThrow(() -> new AssertionError("no ISPENDR" + n + " in the saved vGIC")).value();
    }

    private static int count(String text, String s) {
        int n = 0;
        for (int at = text.indexOf(s); at >= 0; at = text.indexOf(s, at + 1)) n++;
        return n;
    }
}
