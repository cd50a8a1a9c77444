package dev.kvm4j.vmm.machine;

import dev.kvm4j.arm.gic.AddressRange;
import dev.kvm4j.arm.run.MmioMap;
import dev.kvm4j.kvm.EventFd;
import dev.kvm4j.kvm.GuestMemory;
import dev.kvm4j.kvm.IoEventFd;
import dev.kvm4j.kvm.IrqFd;
import dev.kvm4j.kvm.Vm;
import dev.kvm4j.vmm.GuestRange;
import dev.kvm4j.vmm.Layout;
import dev.kvm4j.vmm.snapshot.SnapshotException;
import dev.kvm4j.vmm.snapshot.VirtioSnapshot;
import dev.kvm4j.vmm.virtio.VirtioBlock;
import dev.kvm4j.vmm.virtio.VirtioDevice;
import dev.kvm4j.vmm.virtio.VirtioMmio;
import dev.kvm4j.vmm.virtio.VirtioMmioNode;
import dev.kvm4j.vmm.virtio.VirtioProblemListener;
import dev.kvm4j.vmm.virtio.VirtioRng;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The machine's virtio devices, each in a slot of the layout's virtio-mmio window: the transport as an MMIO
 * handler, its queue-notify register as an ioeventfd (a notify wakes the device thread without leaving the
 * kernel) and its interrupt as an irqfd on the slot's SPI (GSI n = SPI n on arm64), edge-triggered.
 */
final class VirtioSlots implements AutoCloseable {
    private record Slot(VirtioMmio mmio, GuestRange window, EventFd irq, IrqFd irqFd, IoEventFd queueNotify) { }

    /** The transport's Status register (virtio 1.x §4.2.2); writing 0 resets the device. */
    private static final int VIRTIO_MMIO_STATUS = 0x070;

    private final List<Slot> slots = new ArrayList<>();

    private VirtioSlots() { }

    static VirtioSlots none() { return new VirtioSlots(); }

    /** The device-tree nodes of {@code count} devices in slots 0..count-1 (slot 0 is the guest's vda). */
    static List<VirtioMmioNode> nodes(int count) {
        List<VirtioMmioNode> nodes = new ArrayList<>();
        for (int n = 0; n < count; n++) {
            GuestRange w = Layout.virtioSlot(n);
            nodes.add(new VirtioMmioNode(w.start(), w.size(), Layout.virtioSpi(n)));
        }
        return nodes;
    }

    /** The whole window, for the vGIC's overlap check. */
    static AddressRange window() {
        return new AddressRange("virtio-mmio", Layout.VIRTIO_MMIO_BASE, Layout.VIRTIO_MMIO_SLOTS * Layout.VIRTIO_MMIO_SLOT_SIZE);
    }

    /**
     * Connects {@code devices} to {@code vm} (an initialised vGIC is needed for the irqfds). The slots take
     * the devices over: on failure, those attached so far and those not yet attached are closed.
     */
    static VirtioSlots attach(Vm vm, GuestMemory ram, List<VirtioDevice> devices, VirtioProblemListener problems) {
        VirtioSlots s = new VirtioSlots();
        int n = 0;
        try {
            for (; n < devices.size(); n++) s.slots.add(slot(vm, ram, n, devices.get(n), problems));
            return s;
        } catch (Throwable t) {
            s.close();
            for (int k = n; k < devices.size(); k++) closeQuietly(devices.get(k));
            throw t;
        }
    }

    private static Slot slot(Vm vm, GuestMemory ram, int n, VirtioDevice device, VirtioProblemListener problems) {
        GuestRange window = Layout.virtioSlot(n);
        EventFd irq = EventFd.create();
        IrqFd irqFd = null;
        VirtioMmio mmio = null;
        try {
            irqFd = vm.irqFd(irq, Layout.virtioSpi(n));
            mmio = new VirtioMmio(device, ram, irqFd::trigger, problems);
            IoEventFd notify = vm.ioEventFd(mmio.notifyEventFd(), window.start() + VirtioMmio.QUEUE_NOTIFY, 4);
            return new Slot(mmio, window, irq, irqFd, notify);
        } catch (Throwable t) {
            if (mmio != null) mmio.close(); else closeQuietly(device);
            if (irqFd != null) irqFd.close();
            irq.close();
            throw t;
        }
    }

    private static void closeQuietly(VirtioDevice d) {
        try {
            d.close();
        } catch (Exception ignored) {
            // already failing: the first error is the one to report
        }
    }

    void addTo(MmioMap map) {
        for (Slot s : slots) {
            map.add(new AddressRange(s.mmio.device().name(), s.window.start(), s.window.size()), s.mmio);
        }
    }

    List<VirtioMmioNode> nodes() { return nodes(slots.size()); }

    boolean isEmpty() { return slots.isEmpty(); }

    /**
     * Every device as after power-on, as a driver's reset leaves it (queues forgotten, in-flight chain
     * finished first): for a machine reboot, before RAM is cleared, so no device works on the old queues.
     */
    void reset() {
        for (Slot s : slots) s.mmio.write(VIRTIO_MMIO_STATUS, 4, 0);
    }

    /** Runs {@code body} with every device held still (no chain in service), for a snapshot of queues and RAM. */
    <T> T held(Supplier<T> body) {
        int held = 0;
        try {
            for (Slot s : slots) {
                s.mmio.hold();
                held++;
            }
            return body.get();
        } finally {
            for (int i = held - 1; i >= 0; i--) slots.get(i).mmio.release();
        }
    }

    /**
     * Each device's identity and transport state, in slot order.
     *
     * @throws SnapshotException for a device kvm4j cannot reopen from a snapshot (a program's own device)
     */
    List<VirtioSnapshot> save() {
        List<VirtioSnapshot> out = new ArrayList<>();
        for (int n = 0; n < slots.size(); n++) {
            VirtioMmio mmio = slots.get(n).mmio;
            VirtioSnapshot v = switch (mmio.device()) {
                case VirtioBlock b -> new VirtioSnapshot(n, b.deviceId(), b.path().toAbsolutePath().toString(), b.fileBytes(), b.readOnly(), mmio.save());
                case VirtioRng r -> new VirtioSnapshot(n, r.deviceId(), "", 0, false, mmio.save());
                default -> throw new SnapshotException("virtio device " + mmio.device().name() + " in slot " + n
                        + " is not one kvm4j can save: snapshot a machine with only --disk and --rng devices");
            };
            out.add(v);
        }
        return out;
    }

    /** Puts each device's saved transport state back (a restore); {@code name} is the snapshot, for messages. */
    void restore(String name, List<VirtioSnapshot> saved) {
        for (int n = 0; n < slots.size(); n++) {
            try {
                slots.get(n).mmio.restore(saved.get(n).transport());
            } catch (IllegalArgumentException e) {
                throw new SnapshotException(name + ": virtio slot " + n + ": " + e.getMessage());
            }
        }
    }

    /** Deassigns the ioeventfd before its eventfd closes with the transport; the irqfd before its eventfd. */
    @Override
    public void close() {
        for (Slot s : slots.reversed()) {
            s.queueNotify.close();
            s.mmio.close();
            s.irqFd.close();
            s.irq.close();
        }
        slots.clear();
    }
}
