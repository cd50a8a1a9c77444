package dev.kvm4j.arm.regs;

import dev.kvm4j.kvm.Vcpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Moves register values between a vCPU and {@link CpuState}s with KVM_GET/SET_ONE_REG, one register per
 * call, any size. Which registers a caller moves, and in what order, is the caller's policy (a later
 * get/put layer decides per sync level; see the counter trap in shared/README).
 */
public final class VcpuRegisters {
    private VcpuRegisters() {}

    /**
     * One register, read now.
     *
     * @param vcpu the vCPU
     * @param id the register
     * @return its value
     * @throws dev.kvm4j.kvm.KvmException if the kernel refuses
     */
    public static RegisterValue get(Vcpu vcpu, RegisterId id) {
        int size = id.size();
        if (size <= 8) return RegisterValue.of(vcpu.getOneReg(id.value()), size);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(size, 16);
            vcpu.getOneReg(id.value(), buf);
            return RegisterValue.ofBytes(buf.toArray(ValueLayout.JAVA_BYTE));
        }
    }

    /**
     * One register, written now.
     *
     * @param vcpu the vCPU
     * @param id the register
     * @param value its value, of the register's size
     * @throws IllegalArgumentException if the size differs
     * @throws dev.kvm4j.kvm.KvmException if the kernel refuses
     */
    public static void set(Vcpu vcpu, RegisterId id, RegisterValue value) {
        if (value.size() != id.size()) throw new IllegalArgumentException(id.name() + " is " + id.size() + " bytes, the value is " + value.size());
        if (value.size() <= 8) {
            vcpu.setOneReg(id.value(), value.asLong());
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(value.size(), 16);
            buf.copyFrom(MemorySegment.ofArray(value.bytes()));
            vcpu.setOneReg(id.value(), buf);
        }
    }

    /**
     * The given registers, read now.
     *
     * @param vcpu the vCPU
     * @param ids the registers
     * @return their values
     */
    public static CpuState read(Vcpu vcpu, List<RegisterId> ids) {
        Map<RegisterId, RegisterValue> m = new LinkedHashMap<>();
        for (RegisterId id : ids) m.put(id, get(vcpu, id));
        return CpuState.of(m);
    }

    /**
     * The 75 core registers of the table.
     *
     * @param vcpu the vCPU
     * @return their values
     */
    public static CpuState readCore(Vcpu vcpu) {
        return read(vcpu, Arrays.stream(CoreRegister.values()).map(CoreRegister::registerId).toList());
    }

    /**
     * Every register KVM_GET_REG_LIST names (the vCPU must be initialised).
     *
     * @param vcpu the vCPU
     * @return their values
     */
    public static CpuState readAll(Vcpu vcpu) {
        List<RegisterId> ids = new ArrayList<>();
        for (long id : vcpu.registerList()) ids.add(RegisterId.of(id));
        return read(vcpu, ids);
    }

    /**
     * Writes every register of {@code state}, in its order (core first).
     *
     * @param vcpu the vCPU
     * @param state the values
     */
    public static void write(Vcpu vcpu, CpuState state) {
        state.values().forEach((id, v) -> set(vcpu, id, v));
    }

    /**
     * Writes only the registers whose value differs from {@code before} (or that {@code before} lacks).
     *
     * @param vcpu the vCPU
     * @param before the state the vCPU has
     * @param after the state it should have
     */
    public static void writeChanges(Vcpu vcpu, CpuState before, CpuState after) {
        for (RegisterChange c : before.diff(after)) {
            if (c.after() != null) set(vcpu, c.id(), c.after());
        }
    }
}
