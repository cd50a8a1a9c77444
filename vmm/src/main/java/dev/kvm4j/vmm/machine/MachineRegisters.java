package dev.kvm4j.vmm.machine;

import dev.kvm4j.arm.aarch32.Aarch32Mode;
import dev.kvm4j.arm.aarch32.Aarch32View;
import dev.kvm4j.arm.aarch32.Slice;
import dev.kvm4j.arm.regs.CoreRegister;
import dev.kvm4j.arm.regs.SystemRegisters;
import dev.kvm4j.kvm.Vcpu;
import dev.kvm4j.vmm.gdb.TargetDescription;
import dev.kvm4j.vmm.gdb.TargetException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * gdb's register numbers ({@link TargetDescription}) on a vCPU's KVM core registers. AArch64: x0–x30, sp (the
 * one PSTATE selects: SP_EL1 when SPSel is set at EL1, else SP_EL0), pc, cpsr (PSTATE's low 32 bits), v0–v31,
 * fpsr, fpcr, and the EL1 system registers of the description by their KVM ids. AArch32: r0–r15 and cpsr through the banked view of the CPU mode, d0–d31 and fpscr.
 */
final class MachineRegisters {
    private static final int SPSEL = 1, EL_SHIFT = 2;

    private MachineRegisters() {}

    static byte[] read(Vcpu v, boolean aarch32, int regno) throws TargetException {
        TargetDescription.Register r = register(aarch32, regno);
        if (aarch32) return little(read32(v, r.name()), r.bytes());
        if (regno >= 34 && regno <= 65) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment s = a.allocate(16, 8);
                v.getOneReg(CoreRegister.v(regno - 34).id(), s);
                return s.toArray(ValueLayout.JAVA_BYTE);
            }
        }
        if (regno >= TargetDescription.FIRST_SYSTEM_REGISTER) {
            long id = system(r);
            try {
                return little(v.getOneReg(id), r.bytes());
            } catch (RuntimeException e) { // this host's KVM may not expose it: gdb shows it as unavailable
                throw new TargetException(TargetException.EIO, "KVM does not read " + r.name() + ": " + e.getMessage());
            }
        }
        return little(v.getOneReg(core64(v, regno).id()), r.bytes());
    }

    /** The KVM id of one of {@link TargetDescription#SYSTEM_REGISTERS}, from the system-register table. */
    private static long system(TargetDescription.Register r) throws TargetException {
        String name = r.name().toUpperCase(java.util.Locale.ROOT);
        return SystemRegisters.id(name).orElseThrow(() -> new TargetException(TargetException.EINVAL, name + " is not in kvm4j's system-register table")).value();
    }

    static void write(Vcpu v, boolean aarch32, int regno, byte[] value) throws TargetException {
        TargetDescription.Register r = register(aarch32, regno);
        if (value.length != r.bytes()) throw new TargetException(TargetException.EINVAL, r.name() + " takes " + r.bytes() + " bytes, not " + value.length);
        if (aarch32) {
            write32(v, r.name(), number(value));
            return;
        }
        if (regno >= 34 && regno <= 65) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment s = a.allocate(16, 8);
                s.copyFrom(MemorySegment.ofArray(value));
                v.setOneReg(CoreRegister.v(regno - 34).id(), s);
            }
            return;
        }
        if (regno >= TargetDescription.FIRST_SYSTEM_REGISTER) {
            long id = system(r);
            try {
                v.setOneReg(id, number(value));
            } catch (RuntimeException e) {
                throw new TargetException(TargetException.EIO, "KVM does not take " + r.name() + ": " + e.getMessage());
            }
            return;
        }
        CoreRegister c = core64(v, regno);
        long n = number(value);
        if (c == CoreRegister.PSTATE) n = (v.getOneReg(c.id()) & ~0xffff_ffffL) | (n & 0xffff_ffffL);
        v.setOneReg(c.id(), n);
    }

    private static CoreRegister core64(Vcpu v, int regno) {
        return switch (regno) {
            case 31 -> {
                long pstate = v.getOneReg(CoreRegister.PSTATE.id());
                yield (pstate & SPSEL) != 0 && ((pstate >>> EL_SHIFT) & 3) >= 1 ? CoreRegister.SP_EL1 : CoreRegister.SP;
            }
            case 32 -> CoreRegister.PC;
            case 33 -> CoreRegister.PSTATE;
            case 66 -> CoreRegister.FPSR;
            case 67 -> CoreRegister.FPCR;
            default -> CoreRegister.x(regno);
        };
    }

    private static long read32(Vcpu v, String name) {
        long value = 0;
        for (Slice s : slices(v, name)) value |= word(v, s) & s.mask();
        return value;
    }

    private static void write32(Vcpu v, String name, long value) {
        for (Slice s : slices(v, name)) {
            long old = word(v, s);
            long now = (old & ~s.mask()) | (value & s.mask());
            if (s.register().size() <= 8) {
                v.setOneReg(s.register().id(), now);
            } else {
                try (Arena a = Arena.ofConfined()) {
                    MemorySegment seg = a.allocate(16, 8);
                    v.getOneReg(s.register().id(), seg);
                    seg.setAtIndex(ValueLayout.JAVA_LONG, s.word(), now);
                    v.setOneReg(s.register().id(), seg);
                }
            }
        }
    }

    private static List<Slice> slices(Vcpu v, String name) {
        Aarch32Mode mode = Aarch32Mode.of(v.getOneReg(CoreRegister.PSTATE.id()));
        return Aarch32View.locate(name, mode);
    }

    private static long word(Vcpu v, Slice s) {
        if (s.register().size() <= 8) return v.getOneReg(s.register().id());
        try (Arena a = Arena.ofConfined()) {
            MemorySegment seg = a.allocate(16, 8);
            v.getOneReg(s.register().id(), seg);
            return seg.getAtIndex(ValueLayout.JAVA_LONG, s.word());
        }
    }

    private static TargetDescription.Register register(boolean aarch32, int regno) throws TargetException {
        TargetDescription d = aarch32 ? TargetDescription.ARM : TargetDescription.AARCH64;
        return d.register(regno).orElseThrow(() -> new TargetException(TargetException.EINVAL, "there is no " + d.architecture() + " register " + regno));
    }

    private static byte[] little(long value, int bytes) {
        byte[] b = new byte[bytes];
        for (int i = 0; i < bytes; i++) b[i] = (byte) (value >>> (8 * i));
        return b;
    }

    private static long number(byte[] value) {
        long n = 0;
        for (int i = Math.min(8, value.length) - 1; i >= 0; i--) n = (n << 8) | (value[i] & 0xff);
        return n;
    }
}
