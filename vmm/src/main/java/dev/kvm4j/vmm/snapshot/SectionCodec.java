package dev.kvm4j.vmm.snapshot;

import dev.kvm4j.arm.VcpuFeature;
import dev.kvm4j.arm.gic.GicVersion;
import dev.kvm4j.arm.regs.CpuState;
import dev.kvm4j.arm.regs.RegisterId;
import dev.kvm4j.arm.regs.RegisterValue;
import dev.kvm4j.arm.state.StateCodec;
import dev.kvm4j.arm.state.StateFormatException;
import dev.kvm4j.arm.state.StateReader;
import dev.kvm4j.arm.state.StateWriter;
import dev.kvm4j.arm.state.VcpuExtraState;
import dev.kvm4j.vmm.device.Pl011;
import dev.kvm4j.vmm.virtio.VirtioMmio;
import dev.kvm4j.vmm.virtio.Virtqueue;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The byte form of the CONF, VCPU, UART and VIRT sections (see {@link SnapshotFormat}), written and read
 * through arm's {@link StateWriter} and {@link StateReader} like the vGIC and vCPU states they sit beside.
 */
final class SectionCodec {
    private SectionCodec() {}

    /** Far above any kernel's list (259 on 6.12, a few hundred more with SVE). */
    private static final int MAX_REGISTERS = 1 << 16;
    private static final int MAX_STRING = 1 << 16;

    static byte[] encode(SnapshotConfig c) {
        return StateWriter.write(out -> {
            StateWriter.string(out, c.kernel().map(Path::toString).orElse(""));
            StateWriter.string(out, c.initrd().map(Path::toString).orElse(""));
            StateWriter.string(out, c.append());
            out.writeInt(c.cpus());
            out.writeLong(c.memory());
            out.writeByte(c.gic() == GicVersion.V3 ? 3 : 2);
            out.writeBoolean(c.aarch32());
            out.writeInt(c.nrIrqs());
            out.writeLong(c.ramBase());
            out.writeLong(c.gicDistBase());
            out.writeLong(c.gicSecondBase());
            out.writeLong(c.uartBase());
            out.writeInt(c.uartSpi());
        });
    }

    static SnapshotConfig decodeConfig(StateReader in) throws StateFormatException {
        Optional<Path> kernel = path(in.string("kernel path", MAX_STRING), in);
        Optional<Path> initrd = path(in.string("initrd path", MAX_STRING), in);
        String append = in.string("kernel command line", MAX_STRING);
        int cpus = (int) Math.min(in.u32("vCPU count"), Integer.MAX_VALUE);
        if (cpus < 1 || cpus > GicVersion.V3.maxVcpus()) throw in.corrupt("vCPU count " + cpus + " is out of range");
        long memory = in.u64("memory size");
        if (memory <= 0 || memory % SnapshotFormat.PAGE_SIZE != 0) throw in.corrupt("memory size " + memory + " is not a positive multiple of 4 KiB");
        long limit = dev.kvm4j.vmm.Layout.RAM_END_LIMIT_AARCH64 - dev.kvm4j.vmm.Layout.RAM_BASE;
        if (memory > limit) throw in.corrupt("memory size " + memory + " is more than a kvm4j machine has (" + limit + ")");
        GicVersion gic = switch (in.u8("GIC version")) {
            case 2 -> GicVersion.V2;
            case 3 -> GicVersion.V3;
            default -> throw in.corrupt("GIC version is neither 2 nor 3");
        };
        boolean aarch32 = in.bool("aarch32");
        int nrIrqs = (int) Math.min(in.u32("nrIrqs"), Integer.MAX_VALUE);
        if (nrIrqs < 64 || nrIrqs > 1024 || nrIrqs % 32 != 0) throw in.corrupt("nrIrqs " + nrIrqs + " is not a multiple of 32 in [64, 1024]");
        long ramBase = in.u64("RAM base"), dist = in.u64("GIC distributor base"), second = in.u64("GIC CPU/redistributor base"),
                uart = in.u64("UART base");
        int spi = (int) Math.min(in.u32("UART SPI"), Integer.MAX_VALUE);
        in.expectEnd();
        return new SnapshotConfig(kernel, initrd, append, cpus, memory, gic, aarch32, nrIrqs, ramBase, dist, second, uart, spi);
    }

    private static Optional<Path> path(String s, StateReader in) throws StateFormatException {
        if (s.isEmpty()) return Optional.empty();
        try {
            return Optional.of(Path.of(s));
        } catch (InvalidPathException e) {
            throw in.corrupt("path " + s + " is not a path here");
        }
    }

    static byte[] encode(VcpuSnapshot v) {
        return StateWriter.write(out -> {
            out.writeInt(v.id());
            out.writeInt(v.target());
            out.writeByte(v.features().size());
            for (VcpuFeature f : EnumSet.copyOf(v.features().isEmpty() ? EnumSet.noneOf(VcpuFeature.class) : v.features())) {
                out.writeByte(f.bit());
            }
            out.writeInt(v.registers().size());
            for (Map.Entry<RegisterId, RegisterValue> e : v.registers().values().entrySet()) {
                out.writeLong(e.getKey().value());
                byte[] b = e.getValue().bytes();
                out.writeShort(b.length);
                out.write(b);
            }
            byte[] extra = StateCodec.encode(v.extra());
            out.writeInt(extra.length);
            out.write(extra);
        });
    }

    static VcpuSnapshot decodeVcpu(StateReader in) throws StateFormatException {
        long id = in.u32("vCPU id");
        if (id > Integer.MAX_VALUE) throw in.corrupt("vCPU id " + id + " is out of range");
        int target = (int) in.u32("vCPU target");
        int n = in.u8("feature count");
        EnumSet<VcpuFeature> features = EnumSet.noneOf(VcpuFeature.class);
        for (int i = 0; i < n; i++) {
            int bit = in.u8("feature bit");
            VcpuFeature f = null;
            for (VcpuFeature candidate : VcpuFeature.values()) if (candidate.bit() == bit) f = candidate;
            if (f == null) throw in.corrupt("vCPU feature bit " + bit + " is not one kvm4j knows");
            features.add(f);
        }
        int m = in.count("register count", MAX_REGISTERS, 8 + 2 + 1);
        Map<RegisterId, RegisterValue> registers = new LinkedHashMap<>();
        for (int i = 0; i < m; i++) {
            RegisterId rid = RegisterId.of(in.u64("register id"));
            int size = in.u16("register size");
            if (size != rid.size()) throw in.corrupt(String.format("register 0x%x is %d bytes by its id, the file gives %d", rid.value(), rid.size(), size));
            if (registers.put(rid, RegisterValue.ofBytes(in.bytes(size, "register value"))) != null) {
                throw in.corrupt(String.format("register 0x%x appears twice", rid.value()));
            }
        }
        int k = in.count("power/events length", 1024, 1);
        VcpuExtraState extra;
        try {
            extra = StateCodec.decodeVcpu(in.bytes(k, "power/events"));
        } catch (StateFormatException e) {
            throw in.corrupt(e.getMessage());
        }
        in.expectEnd();
        return new VcpuSnapshot((int) id, target, features, CpuState.of(registers), extra);
    }

    static byte[] encode(Pl011.State s) {
        return StateWriter.write(out -> {
            for (int v : new int[] {s.cr(), s.lcrH(), s.ibrd(), s.fbrd(), s.ifls(), s.imsc(), s.ilpr(), s.dmacr()}) out.writeInt(v);
            out.writeBoolean(s.txRaw());
            out.writeBoolean(s.irqLevel());
            out.writeInt(s.rx().length);
            out.write(s.rx());
            out.writeInt(s.txHeld().length);
            out.write(s.txHeld());
        });
    }

    static Pl011.State decodeUart(StateReader in) throws StateFormatException {
        int[] r = new int[8];
        String[] names = {"CR", "LCR_H", "IBRD", "FBRD", "IFLS", "IMSC", "ILPR", "DMACR"};
        for (int i = 0; i < r.length; i++) r[i] = (int) in.u32("UART " + names[i]);
        boolean txRaw = in.bool("UART TX interrupt"), level = in.bool("UART IRQ level");
        byte[] rx = in.bytes(in.count("UART received bytes", Pl011.maxReceived(), 1), "UART received bytes");
        byte[] tx = in.bytes(in.count("UART TX FIFO bytes", Pl011.fifoDepthMax(), 1), "UART TX FIFO bytes");
        in.expectEnd();
        return new Pl011.State(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], txRaw, level, rx, tx);
    }

    /** Far above any device's queue count (blk and rng have 1). */
    private static final int MAX_QUEUES = 64;

    static byte[] encode(VirtioSnapshot v) {
        return StateWriter.write(out -> {
            out.writeInt(v.slot());
            out.writeInt(v.deviceId());
            StateWriter.string(out, v.disk());
            out.writeLong(v.diskBytes());
            out.writeBoolean(v.readOnly());
            VirtioMmio.State t = v.transport();
            for (int r : new int[] {t.status(), t.deviceFeaturesSel(), t.driverFeaturesSel(), t.queueSel()}) out.writeInt(r);
            out.writeLong(t.driverFeatures());
            out.writeInt(t.interruptStatus());
            out.writeInt(t.configGeneration());
            out.writeBoolean(t.broken());
            out.writeInt(t.queues().size());
            for (Virtqueue.State q : t.queues()) {
                out.writeInt(q.size());
                out.writeBoolean(q.ready());
                out.writeLong(q.descAddr());
                out.writeLong(q.driverAddr());
                out.writeLong(q.deviceAddr());
                out.writeShort(q.lastAvail());
                out.writeShort(q.usedIdx());
            }
        });
    }

    static VirtioSnapshot decodeVirtio(StateReader in) throws StateFormatException {
        int slot = (int) Math.min(in.u32("virtio slot"), Integer.MAX_VALUE);
        if (slot >= dev.kvm4j.vmm.Layout.VIRTIO_MMIO_SLOTS) throw in.corrupt("virtio slot " + slot + " is past the " + dev.kvm4j.vmm.Layout.VIRTIO_MMIO_SLOTS + " slots");
        int deviceId = (int) in.u32("virtio device id");
        String disk = in.string("disk path", MAX_STRING);
        if (!disk.isEmpty()) path(disk, in);
        long diskBytes = in.u64("disk size");
        if (diskBytes < 0) throw in.corrupt("disk size " + Long.toUnsignedString(diskBytes) + " is out of range");
        boolean readOnly = in.bool("disk read-only");
        int status = (int) in.u32("virtio status"), dsel = (int) in.u32("device features select"),
                fsel = (int) in.u32("driver features select"), qsel = (int) in.u32("queue select");
        long features = in.u64("driver features");
        int interrupt = (int) in.u32("interrupt status"), generation = (int) in.u32("config generation");
        boolean broken = in.bool("needs reset");
        int n = in.count("queue count", MAX_QUEUES, 4 + 1 + 24 + 4);
        java.util.List<Virtqueue.State> queues = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            int size = (int) Math.min(in.u32("queue size"), Integer.MAX_VALUE);
            boolean ready = in.bool("queue ready");
            long desc = in.u64("descriptor table"), driver = in.u64("driver ring"), device = in.u64("device ring");
            queues.add(new Virtqueue.State(size, ready, desc, driver, device, in.u16("last avail idx"), in.u16("used idx")));
        }
        in.expectEnd();
        return new VirtioSnapshot(slot, deviceId, disk, diskBytes, readOnly,
                new VirtioMmio.State(status, dsel, fsel, qsel, features, interrupt, generation, broken, queues));
    }
}
