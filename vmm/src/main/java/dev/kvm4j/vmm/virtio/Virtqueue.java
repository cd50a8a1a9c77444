package dev.kvm4j.vmm.virtio;

import dev.kvm4j.kvm.GuestMemory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * A split virtqueue (virtio 1.x §2.7) and the checks on everything the driver puts in it. The rings'
 * addresses are checked once, when the driver sets QueueReady; every descriptor is checked as it is read:
 * inside RAM (overflow-safe), chains no longer than the queue (so no loop survives), indirect tables whole
 * and not nested, readable buffers before writable ones, the avail index never more than a queue ahead.
 * A failed check is a {@link VirtioViolation}; nothing outside guest RAM is ever touched.
 */
public final class Virtqueue {
    static final int DESC_SIZE = 16;
    static final int F_NEXT = 1, F_WRITE = 2, F_INDIRECT = 4;
    private static final VarHandle U16 = ValueLayout.JAVA_SHORT.varHandle();

    private final int index;
    private final int maxSize;
    // Set by the driver through the transport while the queue is not ready.
    int size;
    long descAddr, driverAddr, deviceAddr;

    private GuestMemory ram;
    private boolean indirect;
    private boolean ready;
    private MemorySegment desc, avail, used;
    private int lastAvail, usedIdx;

    Virtqueue(int index, int maxSize) {
        this.index = index;
        this.maxSize = maxSize;
        this.size = maxSize;
    }

    /**
     * The queue's index in its device.
     *
     * @return the index, from 0
     */
    public int index() { return index; }

    /**
     * QueueNumMax: the largest size the driver may set.
     *
     * @return the maximum size, a power of 2
     */
    public int maxSize() { return maxSize; }

    /**
     * Whether the driver set QueueReady and the rings were found valid.
     *
     * @return true while the queue is served
     */
    public boolean ready() { return ready; }

    /** QueueReady = 1: checks the size and the three rings, then starts from index 0. */
    void activate(GuestMemory ram, boolean indirectAllowed) throws VirtioViolation {
        if (size <= 0 || size > maxSize || Integer.bitCount(size) != 1) {
            throw new VirtioViolation("queue " + index + ": size " + size + " is not a power of 2 from 1 to " + maxSize);
        }
        this.desc = ring(ram, "descriptor table", descAddr, (long) DESC_SIZE * size, 16);
        this.avail = ring(ram, "driver (avail) ring", driverAddr, 6 + 2L * size, 2);
        this.used = ring(ram, "device (used) ring", deviceAddr, 6 + 8L * size, 4);
        this.ram = ram;
        this.indirect = indirectAllowed;
        this.lastAvail = 0;
        this.usedIdx = 0;
        this.ready = true;
    }

    private MemorySegment ring(GuestMemory ram, String what, long address, long length, int align) throws VirtioViolation {
        if ((address & (align - 1)) != 0) {
            throw new VirtioViolation(String.format("queue %d: %s at 0x%x is not %d-byte aligned", index, what, address, align));
        }
        if (!ram.contains(address, length)) {
            throw new VirtioViolation(String.format("queue %d: %s 0x%x+0x%x is outside guest RAM 0x%x-0x%x",
                    index, what, address, length, ram.base(), ram.end()));
        }
        return ram.slice(address, length);
    }

    /**
     * What a snapshot keeps of a queue: the driver's settings and the device's two ring positions.
     *
     * @param size the queue size the driver set (QueueNum)
     * @param ready whether the queue was ready
     * @param descAddr the descriptor table's guest physical address
     * @param driverAddr the driver (avail) ring's guest physical address
     * @param deviceAddr the device (used) ring's guest physical address
     * @param lastAvail the next avail ring index the device will serve
     * @param usedIdx the used ring's next index
     */
    public record State(int size, boolean ready, long descAddr, long driverAddr, long deviceAddr, int lastAvail, int usedIdx) { }

    State save() { return new State(size, ready, descAddr, driverAddr, deviceAddr, lastAvail, usedIdx); }

    /** Puts a saved queue back; a ready one is checked against {@code ram} as QueueReady = 1 would check it. */
    void restore(State s, GuestMemory ram, boolean indirectAllowed) throws VirtioViolation {
        reset();
        size = s.size();
        descAddr = s.descAddr();
        driverAddr = s.driverAddr();
        deviceAddr = s.deviceAddr();
        if (!s.ready()) return;
        activate(ram, indirectAllowed);
        lastAvail = s.lastAvail() & 0xffff;
        usedIdx = s.usedIdx() & 0xffff;
    }

    void reset() {
        ready = false;
        size = maxSize;
        descAddr = driverAddr = deviceAddr = 0;
        desc = avail = used = null;
        ram = null;
    }

    /** The next chain the driver made available, checked; null when there is none. */
    DescriptorChain next() throws VirtioViolation {
        if (!ready) return null;
        int availIdx = Short.toUnsignedInt((short) U16.getAcquire(avail, 2L));
        int pending = (availIdx - lastAvail) & 0xffff;
        if (pending == 0) return null;
        if (pending > size) {
            throw new VirtioViolation(String.format("queue %d: avail idx jumped from %d to %d, more than the queue size %d",
                    index, lastAvail, availIdx, size));
        }
        int head = Short.toUnsignedInt(avail.get(ValueLayout.JAVA_SHORT, 4 + 2L * (lastAvail % size)));
        lastAvail = (lastAvail + 1) & 0xffff;
        return walk(head);
    }

    private DescriptorChain walk(int head) throws VirtioViolation {
        if (head >= size) throw new VirtioViolation("queue " + index + ": head descriptor " + head + " is past the queue size " + size);
        List<GuestBuffer> buffers = new ArrayList<>();
        boolean sawWritable = false;
        int i = head;
        for (int count = 0; ; count++) {
            if (count >= size) throw new VirtioViolation("queue " + index + ": chain from descriptor " + head + " is longer than the queue (" + size + "): a loop");
            long at = (long) DESC_SIZE * i;
            long addr = desc.get(ValueLayout.JAVA_LONG, at);
            long len = Integer.toUnsignedLong(desc.get(ValueLayout.JAVA_INT, at + 8));
            int flags = Short.toUnsignedInt(desc.get(ValueLayout.JAVA_SHORT, at + 12));
            int next = Short.toUnsignedInt(desc.get(ValueLayout.JAVA_SHORT, at + 14));
            if ((flags & F_INDIRECT) != 0) {
                if ((flags & F_NEXT) != 0) throw new VirtioViolation("queue " + index + ": descriptor " + i + " is indirect and has NEXT");
                indirectTable(head, addr, len, buffers, sawWritable);
                break;
            }
            sawWritable = add(buffers, "descriptor " + i, addr, len, flags, sawWritable);
            if ((flags & F_NEXT) == 0) break;
            if (next >= size) throw new VirtioViolation("queue " + index + ": descriptor " + i + " links to " + next + ", past the queue size " + size);
            i = next;
        }
        return new DescriptorChain(head, buffers, ram);
    }

    private void indirectTable(int head, long addr, long len, List<GuestBuffer> buffers, boolean sawWritable) throws VirtioViolation {
        String where = "queue " + index + ": indirect table of chain " + head;
        if (!indirect) throw new VirtioViolation(where + ": VIRTIO_RING_F_INDIRECT_DESC was not negotiated");
        if (len == 0 || len % DESC_SIZE != 0) throw new VirtioViolation(where + ": length " + len + " is not a positive multiple of 16");
        if (!ram.contains(addr, len)) throw new VirtioViolation(String.format("%s: 0x%x+0x%x is outside guest RAM", where, addr, len));
        MemorySegment table = ram.slice(addr, len);
        int entries = (int) (len / DESC_SIZE); // <= 2^28: len fits 32 bits
        int i = 0;
        for (int count = 0; ; count++) {
            if (count >= entries) throw new VirtioViolation(where + ": chain longer than its " + entries + " entries: a loop");
            long at = (long) DESC_SIZE * i;
            int flags = Short.toUnsignedInt(table.get(ValueLayout.JAVA_SHORT_UNALIGNED, at + 12));
            if ((flags & F_INDIRECT) != 0) throw new VirtioViolation(where + ": entry " + i + " is indirect again (nested)");
            sawWritable = add(buffers, "indirect entry " + i, table.get(ValueLayout.JAVA_LONG_UNALIGNED, at),
                    Integer.toUnsignedLong(table.get(ValueLayout.JAVA_INT_UNALIGNED, at + 8)), flags, sawWritable);
            if ((flags & F_NEXT) == 0) return;
            int next = Short.toUnsignedInt(table.get(ValueLayout.JAVA_SHORT_UNALIGNED, at + 14));
            if (next >= entries) throw new VirtioViolation(where + ": entry " + i + " links to " + next + ", past its " + entries + " entries");
            i = next;
        }
    }

    private boolean add(List<GuestBuffer> buffers, String what, long addr, long len, int flags, boolean sawWritable) throws VirtioViolation {
        boolean writable = (flags & F_WRITE) != 0;
        if (!ram.contains(addr, len)) {
            throw new VirtioViolation(String.format("queue %d: %s 0x%x+0x%x is outside guest RAM 0x%x-0x%x", index, what, addr, len, ram.base(), ram.end()));
        }
        if (sawWritable && !writable) throw new VirtioViolation("queue " + index + ": " + what + " is device-readable after a device-writable one");
        buffers.add(new GuestBuffer(addr, len, writable));
        return sawWritable || writable;
    }

    /** Returns chain {@code head} to the driver with {@code written} bytes written; the idx store publishes it. */
    void putUsed(int head, int written) {
        long at = 4 + 8L * (usedIdx % size);
        used.set(ValueLayout.JAVA_INT, at, head);
        used.set(ValueLayout.JAVA_INT, at + 4, written);
        usedIdx = (usedIdx + 1) & 0xffff;
        U16.setRelease(used, 2L, (short) usedIdx);
    }
}
