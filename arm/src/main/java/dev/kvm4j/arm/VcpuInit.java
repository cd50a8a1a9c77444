package dev.kvm4j.arm;

import dev.kvm4j.arm.abi.ArmAbi;
import dev.kvm4j.kvm.Vcpu;
import dev.kvm4j.kvm.Vm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

import static dev.kvm4j.arm.abi.ArmAbi.STRUCT_KVM_VCPU_INIT;
import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.MemoryLayout.PathElement.sequenceElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * A {@code struct kvm_vcpu_init}: the target CPU and the features a vCPU is initialised with. Every arm64
 * vCPU needs {@code KVM_ARM_VCPU_INIT} before it runs or lists its registers.
 */
public record VcpuInit(int target, Set<VcpuFeature> features) {
    private static final long TARGET = STRUCT_KVM_VCPU_INIT.byteOffset(groupElement("target"));
    private static final long FEATURES = STRUCT_KVM_VCPU_INIT.byteOffset(groupElement("features"), sequenceElement(0));
    private static final int FEATURE_WORDS = (int) STRUCT_KVM_VCPU_INIT.select(groupElement("features")).byteSize() / 4;

    public VcpuInit {
        features = Collections.unmodifiableSet(features.isEmpty() ? EnumSet.noneOf(VcpuFeature.class) : EnumSet.copyOf(features));
    }

    /**
     * The VM's preferred target ({@code KVM_ARM_PREFERRED_TARGET}) with {@code features}, each checked
     * against its capability first.
     *
     * @throws VcpuFeatureUnavailableException when the host does not offer a feature (e.g. AArch32 EL1)
     */
    public static VcpuInit preferred(Vm vm, VcpuFeature... features) {
        EnumSet<VcpuFeature> set = EnumSet.noneOf(VcpuFeature.class);
        for (VcpuFeature f : features) {
            if (f.capability() != null && vm.checkExtension(f.capability()) == 0) throw new VcpuFeatureUnavailableException(f);
            set.add(f);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment init = arena.allocate(STRUCT_KVM_VCPU_INIT);
            vm.ioctl("KVM_ARM_PREFERRED_TARGET", ArmAbi.KVM_ARM_PREFERRED_TARGET, init);
            return new VcpuInit(init.get(JAVA_INT, TARGET), set);
        }
    }

    public boolean has(VcpuFeature f) { return features.contains(f); }

    /** {@code KVM_ARM_VCPU_INIT}; also resets the vCPU to its initial state when called again. */
    public void apply(Vcpu vcpu) {
        try (Arena arena = Arena.ofConfined()) {
            vcpu.ioctl("KVM_ARM_VCPU_INIT", ArmAbi.KVM_ARM_VCPU_INIT, encode(arena));
        }
    }

    /** This init as a {@code struct kvm_vcpu_init} in {@code arena}. */
    public MemorySegment encode(Arena arena) {
        MemorySegment s = arena.allocate(STRUCT_KVM_VCPU_INIT);
        s.set(JAVA_INT, TARGET, target);
        for (VcpuFeature f : features) {
            long at = FEATURES + 4L * (f.bit() / 32);
            s.set(JAVA_INT, at, s.get(JAVA_INT, at) | (1 << (f.bit() % 32)));
        }
        return s;
    }

    /** The features of a {@code struct kvm_vcpu_init}; bits kvm4j does not know are rejected. */
    public static VcpuInit decode(MemorySegment s) {
        EnumSet<VcpuFeature> set = EnumSet.noneOf(VcpuFeature.class);
        for (VcpuFeature f : VcpuFeature.values()) {
            if ((s.get(JAVA_INT, FEATURES + 4L * (f.bit() / 32)) & (1 << (f.bit() % 32))) != 0) set.add(f);
        }
        VcpuInit init = new VcpuInit(s.get(JAVA_INT, TARGET), set);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment again = init.encode(arena);
            for (int w = 0; w < FEATURE_WORDS; w++) {
                int known = again.get(JAVA_INT, FEATURES + 4L * w), all = s.get(JAVA_INT, FEATURES + 4L * w);
                if (known != all) throw new IllegalArgumentException(String.format("kvm_vcpu_init.features[%d] = 0x%x has bits kvm4j does not know: 0x%x", w, all, all & ~known));
            }
        }
        return init;
    }
}
