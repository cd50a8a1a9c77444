package dev.kvm4j.vmm.virtio;

import dev.kvm4j.kvm.GuestMemory;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import static dev.kvm4j.vmm.virtio.VirtioMmio.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * A virtio-mmio driver as Linux's virtio_mmio + virtio_ring set one up, over GuestMemory: handshake,
 * feature negotiation, one queue of 16 at fixed addresses, chains written by hand. Hostile tests write
 * whatever they like into the same memory.
 */
final class FakeDriver implements AutoCloseable {
    static final long RAM_BASE = 0x4000_0000L, RAM_SIZE = 0x10_0000L;
    static final int QSIZE = 16;
    static final long DESC = RAM_BASE + 0x1000, AVAIL = RAM_BASE + 0x2000, USED = RAM_BASE + 0x3000, DATA = RAM_BASE + 0x10000;

    final GuestMemory ram = GuestMemory.allocate(RAM_BASE, RAM_SIZE);
    final VirtioMmio mmio;
    final Semaphore interrupts = new Semaphore(0);
    final List<String> problems = new CopyOnWriteArrayList<>();
    private int availIdx, nextDesc;

    FakeDriver(VirtioDevice device) {
        mmio = new VirtioMmio(device, ram, interrupts::release, (d, line) -> problems.add(line));
    }

    int reg(int offset) { return (int) mmio.read(offset, 4); }

    void reg(int offset, long value) { mmio.write(offset, 4, value & 0xffff_ffffL); }

    /** Probe and negotiate as Linux does; returns the device features. */
    long negotiate(long accept) {
        assertEquals(MAGIC, reg(MAGIC_VALUE));
        assertEquals(2, reg(VERSION_REG));
        reg(STATUS, 0);
        reg(STATUS, S_ACKNOWLEDGE);
        reg(STATUS, S_ACKNOWLEDGE | S_DRIVER);
        reg(DEVICE_FEATURES_SEL, 0);
        long features = Integer.toUnsignedLong(reg(DEVICE_FEATURES));
        reg(DEVICE_FEATURES_SEL, 1);
        features |= Integer.toUnsignedLong(reg(DEVICE_FEATURES)) << 32;
        long wanted = features & accept;
        reg(DRIVER_FEATURES_SEL, 0);
        reg(DRIVER_FEATURES, wanted);
        reg(DRIVER_FEATURES_SEL, 1);
        reg(DRIVER_FEATURES, wanted >>> 32);
        reg(STATUS, S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK);
        return features;
    }

    /** Negotiates everything offered, sets queue 0 up (size {@code size}) and DRIVER_OK. */
    FakeDriver start(int size, long desc, long avail, long used) {
        negotiate(-1L);
        assertEquals(S_FEATURES_OK, reg(STATUS) & S_FEATURES_OK, "features accepted");
        reg(QUEUE_SEL, 0);
        assertEquals(256, reg(QUEUE_NUM_MAX));
        reg(QUEUE_NUM, size);
        reg(QUEUE_DESC_LOW, desc);
        reg(QUEUE_DESC_HIGH, desc >>> 32);
        reg(QUEUE_DRIVER_LOW, avail);
        reg(QUEUE_DRIVER_HIGH, avail >>> 32);
        reg(QUEUE_DEVICE_LOW, used);
        reg(QUEUE_DEVICE_HIGH, used >>> 32);
        reg(QUEUE_READY, 1);
        reg(STATUS, S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
        return this;
    }

    FakeDriver start() { return start(QSIZE, DESC, AVAIL, USED); }

    /** Writes descriptor {@code i} raw: the hostile tests' tool. */
    void descriptor(long table, int i, long addr, long len, int flags, int next) {
        ram.writeLong(table + 16L * i, addr);
        ram.writeInt(table + 16L * i + 8, (int) len);
        ram.slice(table + 16L * i + 12, 2).set(java.lang.foreign.ValueLayout.JAVA_SHORT, 0, (short) flags);
        ram.slice(table + 16L * i + 14, 2).set(java.lang.foreign.ValueLayout.JAVA_SHORT, 0, (short) next);
    }

    /** A buffer of a chain: address, length, device-writable. */
    record Buf(long addr, long len, boolean writable) {}

    /** Puts a chain in the descriptor table and makes it available; returns its head. */
    int submit(Buf... bufs) {
        int head = nextDesc;
        for (int i = 0; i < bufs.length; i++) {
            int d = (nextDesc + i) % QSIZE;
            boolean last = i == bufs.length - 1;
            descriptor(DESC, d, bufs[i].addr, bufs[i].len, (last ? 0 : Virtqueue.F_NEXT) | (bufs[i].writable ? Virtqueue.F_WRITE : 0), (d + 1) % QSIZE);
        }
        nextDesc = (nextDesc + bufs.length) % QSIZE;
        return publish(head);
    }

    /** Makes descriptor {@code head} available and notifies. */
    int publish(int head) {
        ram.slice(AVAIL + 4 + 2L * (availIdx % QSIZE), 2).set(java.lang.foreign.ValueLayout.JAVA_SHORT, 0, (short) head);
        availIdx++;
        setAvailIdx(availIdx);
        reg(QUEUE_NOTIFY, 0);
        return head;
    }

    void setAvailIdx(int idx) {
        ram.slice(AVAIL + 2, 2).set(java.lang.foreign.ValueLayout.JAVA_SHORT, 0, (short) idx);
    }

    int usedIdx() { return Short.toUnsignedInt(ram.slice(USED + 2, 2).get(java.lang.foreign.ValueLayout.JAVA_SHORT, 0)); }

    /** Waits for the device's interrupt (30 s at most) and acknowledges it; returns InterruptStatus. */
    int awaitInterrupt() throws InterruptedException {
        assertTrue(interrupts.tryAcquire(30, TimeUnit.SECONDS), "no interrupt from the device; problems: " + problems);
        int status = reg(INTERRUPT_STATUS);
        reg(INTERRUPT_ACK, status);
        return status;
    }

    /** Waits for used element {@code n} (0-based) and returns {id, len}. */
    int[] awaitUsed(int n) throws InterruptedException {
        while (usedIdx() <= n) awaitInterrupt();
        long at = USED + 4 + 8L * (n % QSIZE);
        return new int[]{ram.readInt(at), ram.readInt(at + 4)};
    }

    /** Waits for NEEDS_RESET and returns the one report. */
    String awaitNeedsReset() throws InterruptedException {
        while ((reg(STATUS) & S_NEEDS_RESET) == 0) awaitInterrupt();
        assertEquals(1, problems.size(), "one report: " + problems);
        String line = problems.getFirst();
        assertFalse(line.contains("\n"), "one line: " + line);
        return line;
    }

    @Override
    public void close() {
        mmio.close();
        ram.close();
    }
}
