package dev.kvm4j.vmm.virtio;

import dev.kvm4j.vmm.virtio.FakeDriver.Buf;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.kvm4j.vmm.virtio.FakeDriver.*;
import static dev.kvm4j.vmm.virtio.VirtioBlockTest.*;
import static dev.kvm4j.vmm.virtio.Virtqueue.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * A driver that breaks the rules, one way per test, against virtio-blk: each case ends in NEEDS_RESET
 * (or VIRTIO_BLK_S_IOERR for a request the protocol can refuse) with a one-line report, and the disk file
 * is byte-for-byte what it was.
 */
class HostileDriverTest {
    private static final AtomicInteger CASES = new AtomicInteger(), NEEDS_RESET = new AtomicInteger(), IOERR = new AtomicInteger();
    @TempDir Path dir;
    private Path img;
    private byte[] original;
    private FakeDriver d;

    @BeforeEach
    void open() throws Exception {
        img = disk(dir, 16);
        original = Files.readAllBytes(img);
        d = new FakeDriver(VirtioBlock.open(img, false));
    }

    @AfterEach
    void diskUntouched() throws Exception {
        d.close();
        assertArrayEquals(original, Files.readAllBytes(img), "the disk file is untouched");
    }

    @AfterAll
    static void summary() {
        System.out.printf("virtio hostile-driver cases: %d (%d NEEDS_RESET, %d IOERR), each with a one-line report or error status; VMM up, disk untouched%n",
                CASES.get(), NEEDS_RESET.get(), IOERR.get());
    }

    private void expectNeedsReset(String fragment) throws InterruptedException {
        String line = d.awaitNeedsReset();
        assertTrue(line.contains(fragment), "report mentions '" + fragment + "': " + line);
        CASES.incrementAndGet();
        NEEDS_RESET.incrementAndGet();
        // The device recovers after a reset, as a driver would do it.
        d.reg(VirtioMmio.STATUS, 0);
        assertEquals(0, d.reg(VirtioMmio.STATUS));
    }

    private void expectIoerr() throws InterruptedException {
        d.awaitUsed(0);
        assertEquals(VirtioBlock.S_IOERR, status(d));
        assertTrue(d.problems.isEmpty(), d.problems.toString());
        CASES.incrementAndGet();
        IOERR.incrementAndGet();
    }

    /** A read request whose data buffer is {@code data}. */
    private void read(Buf data) {
        header(d, VirtioBlock.T_IN, 0);
        d.submit(new Buf(HDR, 16, false), data, new Buf(STATUS, 1, true));
    }

    @Test void descriptorOutsideRam() throws Exception {
        d.start();
        read(new Buf(RAM_BASE + RAM_SIZE, 512, true));
        expectNeedsReset("outside guest RAM");
    }

    @Test void descriptorBelowRam() throws Exception {
        d.start();
        read(new Buf(0x1000, 512, true));
        expectNeedsReset("outside guest RAM");
    }

    @Test void addressPlusLengthWraps2To64() throws Exception {
        d.start();
        read(new Buf(-256, 0x1000, true));
        expectNeedsReset("outside guest RAM");
    }

    @Test void hugeLength() throws Exception {
        d.start();
        read(new Buf(DATA, 0xffff_ffffL, true));
        expectNeedsReset("outside guest RAM");
    }

    @Test void descriptorLoop() throws Exception {
        d.start();
        header(d, VirtioBlock.T_IN, 0);
        d.descriptor(DESC, 0, HDR, 16, F_NEXT, 1);
        d.descriptor(DESC, 1, BUF, 512, F_NEXT | F_WRITE, 2);
        d.descriptor(DESC, 2, STATUS, 1, F_NEXT | F_WRITE, 1);
        d.publish(0);
        expectNeedsReset("a loop");
    }

    @Test void chainLinksPastTheQueue() throws Exception {
        d.start();
        d.descriptor(DESC, 0, HDR, 16, F_NEXT, QSIZE + 3);
        d.publish(0);
        expectNeedsReset("past the queue size");
    }

    @Test void headPastTheQueue() throws Exception {
        d.start();
        d.publish(QSIZE);
        expectNeedsReset("past the queue size");
    }

    @Test void indirectTableOutsideRam() throws Exception {
        d.start();
        d.descriptor(DESC, 0, RAM_BASE + RAM_SIZE - 16, 64, F_INDIRECT, 0);
        d.publish(0);
        expectNeedsReset("outside guest RAM");
    }

    @Test void indirectTableLengthNotAMultipleOf16() throws Exception {
        d.start();
        d.descriptor(DESC, 0, DATA + 0x8000, 40, F_INDIRECT, 0);
        d.publish(0);
        expectNeedsReset("multiple of 16");
    }

    @Test void nestedIndirect() throws Exception {
        d.start();
        long table = DATA + 0x8000;
        d.descriptor(table, 0, HDR, 16, F_NEXT, 1);
        d.descriptor(table, 1, DATA + 0x9000, 32, F_INDIRECT, 0);
        d.descriptor(DESC, 0, table, 32, F_INDIRECT, 0);
        d.publish(0);
        expectNeedsReset("nested");
    }

    @Test void indirectLoop() throws Exception {
        d.start();
        long table = DATA + 0x8000;
        d.descriptor(table, 0, HDR, 16, F_NEXT, 1);
        d.descriptor(table, 1, BUF, 512, F_NEXT | F_WRITE, 0);
        d.descriptor(DESC, 0, table, 32, F_INDIRECT, 0);
        d.publish(0);
        expectNeedsReset("a loop");
    }

    @Test void indirectWithoutTheFeature() throws Exception {
        d.start();
        // Renegotiate without INDIRECT_DESC.
        d.reg(VirtioMmio.STATUS, 0);
        d.negotiate(~VirtioMmio.F_INDIRECT_DESC);
        d.reg(VirtioMmio.QUEUE_SEL, 0);
        d.reg(VirtioMmio.QUEUE_NUM, QSIZE);
        d.reg(VirtioMmio.QUEUE_DESC_LOW, DESC);
        d.reg(VirtioMmio.QUEUE_DRIVER_LOW, AVAIL);
        d.reg(VirtioMmio.QUEUE_DEVICE_LOW, USED);
        d.reg(VirtioMmio.QUEUE_READY, 1);
        d.reg(VirtioMmio.STATUS, 0xf);
        d.descriptor(DESC, 0, DATA + 0x8000, 32, F_INDIRECT, 0);
        d.publish(0);
        expectNeedsReset("not negotiated");
    }

    @Test void readIntoADeviceReadableBuffer() throws Exception {
        d.start();
        read(new Buf(BUF, 512, false));
        expectNeedsReset("must be device-writable");
    }

    @Test void readableAfterWritable() throws Exception {
        d.start();
        header(d, VirtioBlock.T_IN, 0);
        d.submit(new Buf(HDR, 16, false), new Buf(BUF, 512, true), new Buf(BUF + 0x800, 16, false), new Buf(STATUS, 1, true));
        expectNeedsReset("device-readable after a device-writable");
    }

    @Test void writeFromADeviceWritableBuffer() throws Exception {
        d.start();
        header(d, VirtioBlock.T_OUT, 0);
        d.submit(new Buf(HDR, 16, false), new Buf(BUF, 512, true), new Buf(STATUS, 1, true));
        expectNeedsReset("must be device-readable");
    }

    @Test void noRoomForTheStatus() throws Exception {
        d.start();
        header(d, VirtioBlock.T_OUT, 0);
        d.submit(new Buf(HDR, 16, false), new Buf(BUF, 512, false));
        expectNeedsReset("status");
    }

    @Test void ringOutsideRam() throws Exception {
        d.start(QSIZE, RAM_BASE + RAM_SIZE - 0x10, AVAIL, USED);
        expectNeedsReset("outside guest RAM");
    }

    @Test void usedRingWrapsAround2To64() throws Exception {
        d.start(QSIZE, DESC, AVAIL, -0x40L);
        expectNeedsReset("outside guest RAM");
    }

    @Test void misalignedRing() throws Exception {
        d.start(QSIZE, DESC + 8, AVAIL, USED);
        expectNeedsReset("aligned");
    }

    @Test void queueSizeNotAPowerOf2() throws Exception {
        d.start(12, DESC, AVAIL, USED);
        expectNeedsReset("power of 2");
    }

    @Test void queueSizeAboveTheMaximum() throws Exception {
        d.start(512, DESC, AVAIL, USED);
        expectNeedsReset("power of 2 from 1 to 256");
    }

    @Test void availIdxJump() throws Exception {
        d.start();
        d.setAvailIdx(QSIZE + 5);
        d.reg(VirtioMmio.QUEUE_NOTIFY, 0);
        expectNeedsReset("avail idx jumped");
    }

    @Test void readPastTheDisksEnd() throws Exception {
        d.start();
        header(d, VirtioBlock.T_IN, 15);
        d.submit(new Buf(HDR, 16, false), new Buf(BUF, 1024, true), new Buf(STATUS, 1, true));
        expectIoerr();
    }

    @Test void writePastTheDisksEnd() throws Exception {
        d.start();
        header(d, VirtioBlock.T_OUT, 16);
        d.submit(new Buf(HDR, 16, false), new Buf(BUF, 512, false), new Buf(STATUS, 1, true));
        expectIoerr();
    }

    @Test void writeAtAHugeSectorThatWouldOverflow() throws Exception {
        d.start();
        header(d, VirtioBlock.T_OUT, Long.MAX_VALUE / 256);
        d.submit(new Buf(HDR, 16, false), new Buf(BUF, 512, false), new Buf(STATUS, 1, true));
        expectIoerr();
    }

    @Test void writeNotAMultipleOf512() throws Exception {
        d.start();
        header(d, VirtioBlock.T_OUT, 0);
        d.submit(new Buf(HDR, 16, false), new Buf(BUF, 100, false), new Buf(STATUS, 1, true));
        expectIoerr();
    }

    @Test void legacyDriverWithoutVersion1IsRefusedFeaturesOk() {
        d.negotiate(~VirtioMmio.F_VERSION_1);
        assertEquals(0, d.reg(VirtioMmio.STATUS) & VirtioMmio.S_FEATURES_OK);
        assertEquals(1, d.problems.size());
        CASES.incrementAndGet();
    }
}
