package dev.kvm4j.vmm.virtio;

import dev.kvm4j.arm.run.MmioHandler;
import dev.kvm4j.kvm.EventFd;
import dev.kvm4j.kvm.GuestMemory;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The virtio-mmio transport, version 2 (virtio 1.x §4.2.2), as an {@link MmioHandler}: the register block
 * a driver uses to negotiate features, place queues and read the device's config space (at 0x100).
 * <p>
 * Queue work happens on the transport's own device thread, woken by {@link #notifyEventFd()}: the machine
 * registers that eventfd with {@code Vm.ioEventFd(notifyEventFd(), base + QUEUE_NOTIFY, 4)} so a notify
 * never leaves the kernel; without it, a QueueNotify write reaching {@link #write} signals the same eventfd.
 * Anything the driver gets wrong puts the device in NEEDS_RESET (status bit 0x40, a config-change
 * interrupt) with a one-line report to the {@link VirtioProblemListener}; nothing escapes the handler.
 * <p>
 * Locks: {@code work} is held while queues are processed and while the device is reset; {@code this}
 * guards the registers, briefly. Order: {@code work}, then {@code this}.
 */
public final class VirtioMmio implements MmioHandler, AutoCloseable {
    /** The MagicValue ("virt"), Version (2: virtio 1.x) and VendorID ("KVMJ") registers' values. */
    public static final int MAGIC = 0x74726976, VERSION = 2, VENDOR_ID = 0x4a4d564b; // "KVMJ"
    /** The guest physical window each device takes; the register block ends at 0x100 + config. */
    public static final long REGION_SIZE = 0x200;

    static final int MAGIC_VALUE = 0x000, VERSION_REG = 0x004, DEVICE_ID = 0x008, VENDOR_ID_REG = 0x00c,
            DEVICE_FEATURES = 0x010, DEVICE_FEATURES_SEL = 0x014, DRIVER_FEATURES = 0x020, DRIVER_FEATURES_SEL = 0x024,
            QUEUE_SEL = 0x030, QUEUE_NUM_MAX = 0x034, QUEUE_NUM = 0x038, QUEUE_READY = 0x044;
    /** The queue-notify register: the machine's ioeventfd covers 4 bytes here, any value. */
    public static final int QUEUE_NOTIFY = 0x050;
    static final int INTERRUPT_STATUS = 0x060, INTERRUPT_ACK = 0x064, STATUS = 0x070,
            QUEUE_DESC_LOW = 0x080, QUEUE_DESC_HIGH = 0x084, QUEUE_DRIVER_LOW = 0x090, QUEUE_DRIVER_HIGH = 0x094,
            QUEUE_DEVICE_LOW = 0x0a0, QUEUE_DEVICE_HIGH = 0x0a4, CONFIG_GENERATION = 0x0fc, CONFIG = 0x100;

    /** The Status register's bits (virtio 1.x, 2.1). */
    public static final int S_ACKNOWLEDGE = 1, S_DRIVER = 2, S_DRIVER_OK = 4, S_FEATURES_OK = 8, S_NEEDS_RESET = 0x40, S_FAILED = 0x80;
    /** The InterruptStatus register's bits: a used buffer, a config change (or NEEDS_RESET). */
    public static final int INT_USED_BUFFER = 1, INT_CONFIG_CHANGE = 2;
    /** The feature bits the transport offers for every device: VIRTIO_RING_F_INDIRECT_DESC, VIRTIO_F_VERSION_1. */
    public static final long F_INDIRECT_DESC = 1L << 28, F_VERSION_1 = 1L << 32;

    private final VirtioDevice device;
    private final GuestMemory ram;
    private final VirtioInterrupt interrupt;
    private final VirtioProblemListener problems;
    private final Virtqueue[] queues;
    private final long offered;
    private final EventFd notify = EventFd.create();
    private final ReentrantLock work = new ReentrantLock();
    private final Thread thread;
    private volatile boolean stopping;

    private int status, deviceFeaturesSel, driverFeaturesSel, queueSel, interruptStatus, configGeneration;
    private long driverFeatures;
    /** NEEDS_RESET: nothing is processed until the driver writes 0 to Status. */
    private volatile boolean broken;

    /**
     * A transport for {@code device}, with its device thread started; close it to stop the thread and the device.
     *
     * @param device the device behind the transport
     * @param ram the guest RAM every ring and buffer must lie in
     * @param interrupt raised each time an InterruptStatus bit is set
     * @param problems hears what the driver did wrong
     */
    public VirtioMmio(VirtioDevice device, GuestMemory ram, VirtioInterrupt interrupt, VirtioProblemListener problems) {
        this.device = Objects.requireNonNull(device);
        this.ram = Objects.requireNonNull(ram);
        this.interrupt = Objects.requireNonNull(interrupt);
        this.problems = Objects.requireNonNull(problems);
        this.offered = device.features() | F_VERSION_1 | F_INDIRECT_DESC;
        this.queues = new Virtqueue[device.queueCount()];
        for (int q = 0; q < queues.length; q++) queues[q] = new Virtqueue(q, device.queueMaxSize(q));
        this.thread = Thread.ofPlatform().daemon().name(device.name()).unstarted(this::serve);
        thread.start();
    }

    /**
     * The device behind the transport.
     *
     * @return the device given at construction
     */
    public VirtioDevice device() { return device; }

    /**
     * The eventfd that wakes the device thread: register it as the ioeventfd of {@code base + QUEUE_NOTIFY}, 4 bytes.
     *
     * @return the transport's notify eventfd (owned by the transport)
     */
    public EventFd notifyEventFd() { return notify; }

    /**
     * The Status register as the driver reads it.
     *
     * @return the status bits ({@code S_*})
     */
    public synchronized int status() { return status; }

    @Override
    public long read(long offset, int size) {
        if (offset >= CONFIG) return readConfig(offset - CONFIG, size);
        if (size != 4 || (offset & 3) != 0) return 0; // the spec allows only aligned 32-bit register access
        synchronized (this) {
            return Integer.toUnsignedLong(switch ((int) offset) {
                case MAGIC_VALUE -> MAGIC;
                case VERSION_REG -> VERSION;
                case DEVICE_ID -> device.deviceId();
                case VENDOR_ID_REG -> VENDOR_ID;
                case DEVICE_FEATURES -> deviceFeaturesSel > 1 ? 0 : (int) (offered >>> (32 * deviceFeaturesSel));
                case QUEUE_NUM_MAX -> selected() == null ? 0 : selected().maxSize();
                case QUEUE_READY -> selected() != null && selected().ready() ? 1 : 0;
                case INTERRUPT_STATUS -> interruptStatus;
                case STATUS -> status;
                case CONFIG_GENERATION -> configGeneration;
                default -> 0;
            });
        }
    }

    private long readConfig(long offset, int size) {
        byte[] config = device.config();
        long value = 0;
        for (int i = size - 1; i >= 0; i--) {
            long at = offset + i;
            value = value << 8 | (at < config.length ? Byte.toUnsignedLong(config[(int) at]) : 0);
        }
        return value;
    }

    @Override
    public void write(long offset, int size, long value) {
        if (offset >= CONFIG || size != 4 || (offset & 3) != 0) return; // config is read-only; only 32-bit registers
        int v = (int) value;
        if (offset == STATUS && v == 0) {
            reset();
            return;
        }
        if (offset == QUEUE_NOTIFY) {
            notify.signal();
            return;
        }
        if (offset == QUEUE_READY && v == 0) {
            work.lock(); // a chain in progress on this queue finishes first
            try {
                synchronized (this) {
                    if (selected() != null) selected().reset();
                }
            } finally {
                work.unlock();
            }
            return;
        }
        String violation = null;
        synchronized (this) {
            Virtqueue q = selected();
            switch ((int) offset) {
                case DEVICE_FEATURES_SEL -> deviceFeaturesSel = v;
                case DRIVER_FEATURES_SEL -> driverFeaturesSel = v;
                case DRIVER_FEATURES -> {
                    if ((status & S_FEATURES_OK) == 0 && driverFeaturesSel <= 1) {
                        int shift = 32 * driverFeaturesSel;
                        driverFeatures = (driverFeatures & ~(0xffff_ffffL << shift)) | (Integer.toUnsignedLong(v) << shift);
                    }
                }
                case QUEUE_SEL -> queueSel = v;
                case QUEUE_NUM -> { if (q != null && !q.ready()) q.size = v; }
                case QUEUE_DESC_LOW -> { if (q != null && !q.ready()) q.descAddr = low(q.descAddr, v); }
                case QUEUE_DESC_HIGH -> { if (q != null && !q.ready()) q.descAddr = high(q.descAddr, v); }
                case QUEUE_DRIVER_LOW -> { if (q != null && !q.ready()) q.driverAddr = low(q.driverAddr, v); }
                case QUEUE_DRIVER_HIGH -> { if (q != null && !q.ready()) q.driverAddr = high(q.driverAddr, v); }
                case QUEUE_DEVICE_LOW -> { if (q != null && !q.ready()) q.deviceAddr = low(q.deviceAddr, v); }
                case QUEUE_DEVICE_HIGH -> { if (q != null && !q.ready()) q.deviceAddr = high(q.deviceAddr, v); }
                case QUEUE_READY -> violation = queueReady(q, v);
                case INTERRUPT_ACK -> interruptStatus &= ~v;
                case STATUS -> setStatus(v);
                default -> { }
            }
        }
        if (violation != null) needsReset(violation);
    }

    private Virtqueue selected() { return queueSel >= 0 && queueSel < queues.length ? queues[queueSel] : null; }

    private static long low(long old, int v) { return (old & 0xffff_ffff_0000_0000L) | Integer.toUnsignedLong(v); }

    private static long high(long old, int v) { return (old & 0xffff_ffffL) | (long) v << 32; }

    /** With {@code this} held; returns a violation to report, or null. */
    private String queueReady(Virtqueue q, int v) {
        if (q == null || q.ready()) return null;
        try {
            q.activate(ram, (driverFeatures & F_INDIRECT_DESC) != 0);
            return null;
        } catch (VirtioViolation e) {
            return e.getMessage();
        }
    }

    /** With {@code this} held. The driver may only add bits; FEATURES_OK stays clear when its features are refused. */
    private void setStatus(int v) {
        int added = v & ~status;
        if ((added & S_FEATURES_OK) != 0) {
            long unknown = driverFeatures & ~offered;
            if (unknown != 0 || (driverFeatures & F_VERSION_1) == 0) {
                problems.problem(device.name(), unknown != 0
                        ? String.format("driver accepted features 0x%x the device does not offer: FEATURES_OK refused", unknown)
                        : "driver did not accept VIRTIO_F_VERSION_1 (a legacy driver): FEATURES_OK refused");
                v &= ~S_FEATURES_OK;
            } else {
                device.negotiated(driverFeatures);
            }
        }
        status = (status & S_NEEDS_RESET) | (v & ~S_NEEDS_RESET);
    }

    /** Status = 0: waits for a request in progress, then forgets queues, features and interrupts. */
    private void reset() {
        work.lock();
        try {
            synchronized (this) {
                for (Virtqueue q : queues) q.reset();
                status = deviceFeaturesSel = driverFeaturesSel = queueSel = interruptStatus = 0;
                driverFeatures = 0;
                broken = false;
                device.reset();
            }
        } finally {
            work.unlock();
        }
    }

    /** The device thread: one wake-up may stand for many notifies, so every ready queue is drained. */
    private void serve() {
        while (!stopping) {
            notify.read();
            if (stopping) return;
            work.lock();
            try {
                process();
            } finally {
                work.unlock();
            }
        }
    }

    private void process() {
        synchronized (this) {
            if (broken || (status & S_DRIVER_OK) == 0) return;
        }
        boolean used = false;
        try {
            for (Virtqueue q : queues) {
                DescriptorChain chain;
                while (!broken && (chain = q.next()) != null) {
                    int written = device.handle(q.index(), chain);
                    q.putUsed(chain.head(), written);
                    used = true;
                }
            }
        } catch (VirtioViolation e) {
            needsReset(e.getMessage());
        } catch (RuntimeException e) {
            needsReset("device error: " + e); // a device bug must not end the VMM either
        }
        if (used) raise(INT_USED_BUFFER);
    }

    private void needsReset(String why) {
        synchronized (this) {
            if (broken) return;
            broken = true;
        }
        problems.problem(device.name(), why + "; device needs reset"); // heard before the driver can see the bit
        synchronized (this) {
            status |= S_NEEDS_RESET;
        }
        raise(INT_CONFIG_CHANGE);
    }

    private void raise(int bit) {
        synchronized (this) {
            interruptStatus |= bit;
        }
        interrupt.trigger();
    }

    /**
     * What a snapshot keeps of the transport: its registers and each queue (the device's own state is its file).
     *
     * @param status the Status register
     * @param deviceFeaturesSel the DeviceFeaturesSel register
     * @param driverFeaturesSel the DriverFeaturesSel register
     * @param queueSel the QueueSel register
     * @param driverFeatures the feature bits the driver wrote
     * @param interruptStatus the InterruptStatus register
     * @param configGeneration the ConfigGeneration register
     * @param broken whether the device was in NEEDS_RESET
     * @param queues each queue's state, in index order (copied)
     */
    public record State(int status, int deviceFeaturesSel, int driverFeaturesSel, int queueSel, long driverFeatures,
                        int interruptStatus, int configGeneration, boolean broken, List<Virtqueue.State> queues) {
        /** Copies {@code queues}. */
        public State {
            queues = List.copyOf(queues);
        }
    }

    /**
     * Holds the device still: no chain is being served from when this returns until {@link #release()}
     * (a snapshot saves the queues and RAM in between, so both agree).
     */
    public void hold() { work.lock(); }

    /** Lets the device serve chains again after {@link #hold()}; call it on the thread that called hold. */
    public void release() { work.unlock(); }

    /**
     * The transport's state; call it holding the device still ({@link #hold()}), so no chain is half served.
     *
     * @return the registers and queues
     */
    public State save() {
        work.lock();
        try {
            synchronized (this) {
                List<Virtqueue.State> qs = new ArrayList<>();
                for (Virtqueue q : queues) qs.add(q.save());
                return new State(status, deviceFeaturesSel, driverFeaturesSel, queueSel, driverFeatures, interruptStatus,
                        configGeneration, broken, qs);
            }
        } finally {
            work.unlock();
        }
    }

    /**
     * Puts a saved transport back (a restore, before the vCPUs run), then wakes the device thread so chains the
     * driver made available before the snapshot are served.
     *
     * @param s the saved state, untrusted (from a file)
     * @throws IllegalArgumentException with one line when the state does not fit this device or guest RAM
     */
    public void restore(State s) {
        if (s.queues().size() != queues.length) {
            throw new IllegalArgumentException(device.name() + ": the snapshot has " + s.queues().size() + " queues, the device " + queues.length);
        }
        if ((s.driverFeatures() & ~offered) != 0) {
            throw new IllegalArgumentException(String.format("%s: the snapshot's driver features 0x%x are not all offered here (0x%x)",
                    device.name(), s.driverFeatures(), offered));
        }
        work.lock();
        try {
            synchronized (this) {
                status = s.status();
                deviceFeaturesSel = s.deviceFeaturesSel();
                driverFeaturesSel = s.driverFeaturesSel();
                queueSel = s.queueSel();
                driverFeatures = s.driverFeatures();
                interruptStatus = s.interruptStatus();
                configGeneration = s.configGeneration();
                broken = s.broken();
                if ((status & S_FEATURES_OK) != 0) device.negotiated(driverFeatures);
                for (int q = 0; q < queues.length; q++) {
                    Virtqueue.State qs = s.queues().get(q);
                    if (qs.size() <= 0 || qs.size() > queues[q].maxSize()) {
                        throw new IllegalArgumentException(device.name() + ": queue " + q + " of the snapshot has size " + qs.size()
                                + ", more than this device's " + queues[q].maxSize());
                    }
                    try {
                        queues[q].restore(qs, ram, (driverFeatures & F_INDIRECT_DESC) != 0);
                    } catch (VirtioViolation e) {
                        throw new IllegalArgumentException(device.name() + ": " + e.getMessage());
                    }
                }
            }
        } finally {
            work.unlock();
        }
        notify.signal();
    }

    /** Stops the device thread and closes the device. The notify eventfd closes too: deassign its ioeventfd first. */
    @Override
    public void close() {
        stopping = true;
        notify.signal();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        notify.close();
        try {
            device.close();
        } catch (Exception e) {
            problems.problem(device.name(), "close failed: " + e.getMessage());
        }
    }
}
