package dev.kvm4j.arm;

import dev.kvm4j.arm.abi.ArmAbi;
import dev.kvm4j.kvm.KvmException;
import dev.kvm4j.kvm.KvmUnavailableException;
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
 *
 * @param target the {@code KVM_ARM_TARGET_*} CPU type
 * @param features the features to give the vCPU
 */
public record VcpuInit(int target, Set<VcpuFeature> features) {
    private static final long TARGET = STRUCT_KVM_VCPU_INIT.byteOffset(groupElement("target"));
    private static final long FEATURES = STRUCT_KVM_VCPU_INIT.byteOffset(groupElement("features"), sequenceElement(0));
    private static final int FEATURE_WORDS = (int) STRUCT_KVM_VCPU_INIT.select(groupElement("features")).byteSize() / 4;

    /** An init of {@code target} with {@code features}, copied into an unmodifiable set. */
    public VcpuInit {
        features = Collections.unmodifiableSet(features.isEmpty() ? EnumSet.noneOf(VcpuFeature.class) : EnumSet.copyOf(features));
    }

    /**
     * The VM's preferred target ({@code KVM_ARM_PREFERRED_TARGET}) with {@code features}, each checked
     * against its capability first.
     *
     * @param vm the VM whose vCPUs it is for
     * @param features the features to give the vCPU
     * @return the init, to {@link #apply} to each vCPU
     * @throws VcpuFeatureUnavailableException when the host does not offer a feature (e.g. AArch32 EL1)
     */
    public static VcpuInit preferred(Vm vm, VcpuFeature... features) {
        EnumSet<VcpuFeature> set = offered(vm, features);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment init = arena.allocate(STRUCT_KVM_VCPU_INIT);
            vm.ioctl("KVM_ARM_PREFERRED_TARGET", ArmAbi.KVM_ARM_PREFERRED_TARGET, init);
            return new VcpuInit(init.get(JAVA_INT, TARGET), set);
        }
    }

    /**
     * Targets to try, newest first, when a kernel has no {@code KVM_ARM_PREFERRED_TARGET} (before 3.13), the
     * way kvmtool falls back: the first one {@code KVM_ARM_VCPU_INIT} accepts is this CPU's.
     */
    private static final int[] FALLBACK_TARGETS = {ArmAbi.KVM_ARM_TARGET_GENERIC_V8, ArmAbi.KVM_ARM_TARGET_CORTEX_A57,
            ArmAbi.KVM_ARM_TARGET_CORTEX_A53, ArmAbi.KVM_ARM_TARGET_XGENE_POTENZA, ArmAbi.KVM_ARM_TARGET_FOUNDATION_V8,
            ArmAbi.KVM_ARM_TARGET_AEM_V8};

    /**
     * Initialises {@code vcpu} with {@code features}: the preferred target where the kernel names one,
     * else the first of the known targets (newest first, as kvmtool does) that {@code KVM_ARM_VCPU_INIT} accepts.
     *
     * @param vm the vCPU's VM
     * @param vcpu the vCPU to initialise
     * @param features the features to give it
     * @return the init that was applied
     * @throws VcpuFeatureUnavailableException when the host does not offer a feature
     * @throws KvmUnavailableException when the kernel accepts none of the targets
     */
    public static VcpuInit initialise(Vm vm, Vcpu vcpu, VcpuFeature... features) {
        VcpuInit init;
        try {
            init = preferred(vm, features);
        } catch (KvmException noPreferredTarget) {
            return withFallbackTargets(vcpu, offered(vm, features), noPreferredTarget.getMessage());
        }
        init.apply(vcpu);
        return init;
    }

    /**
     * Tries each fallback target in turn; public so the path can be proven on kernels that don't need it.
     *
     * @param vcpu the vCPU to initialise
     * @param features the features to give it, already checked against the host
     * @param why why the preferred target is not used, for the message if every target is refused
     * @return the init that was applied
     * @throws KvmUnavailableException when the kernel accepts none of the targets
     */
    public static VcpuInit withFallbackTargets(Vcpu vcpu, Set<VcpuFeature> features, String why) {
        StringBuilder refused = new StringBuilder();
        for (int target : FALLBACK_TARGETS) {
            VcpuInit candidate = new VcpuInit(target, features);
            try {
                candidate.apply(vcpu);
                return candidate;
            } catch (KvmException.InvalidArgument wrongTarget) {
                refused.append(refused.isEmpty() ? "" : ", ").append(target);
            }
        }
        throw new KvmUnavailableException("KVM accepts none of kvm4j's CPU targets for this host: " + why
                + "; KVM_ARM_VCPU_INIT refused targets " + refused + " (is this an arm64 host with KVM?)");
    }

    private static EnumSet<VcpuFeature> offered(Vm vm, VcpuFeature... features) {
        EnumSet<VcpuFeature> set = EnumSet.noneOf(VcpuFeature.class);
        for (VcpuFeature f : features) {
            if (f.capability() != null && vm.checkExtension(f.capability()) == 0) throw new VcpuFeatureUnavailableException(f);
            set.add(f);
        }
        return set;
    }

    /**
     * Whether this init gives a feature.
     *
     * @param f the feature
     * @return true if it is among {@link #features()}
     */
    public boolean has(VcpuFeature f) { return features.contains(f); }

    /**
     * {@code KVM_ARM_VCPU_INIT}; also resets the vCPU to its initial state when called again.
     *
     * @param vcpu the vCPU, of the VM this init was made for
     * @throws KvmException if the kernel refuses the target or a feature
     */
    public void apply(Vcpu vcpu) {
        try (Arena arena = Arena.ofConfined()) {
            vcpu.ioctl("KVM_ARM_VCPU_INIT", ArmAbi.KVM_ARM_VCPU_INIT, encode(arena));
        }
    }

    /**
     * This init as a {@code struct kvm_vcpu_init}.
     *
     * @param arena where the struct is allocated
     * @return the struct, with the target and the feature bits set
     */
    public MemorySegment encode(Arena arena) {
        MemorySegment s = arena.allocate(STRUCT_KVM_VCPU_INIT);
        s.set(JAVA_INT, TARGET, target);
        for (VcpuFeature f : features) {
            long at = FEATURES + 4L * (f.bit() / 32);
            s.set(JAVA_INT, at, s.get(JAVA_INT, at) | (1 << (f.bit() % 32)));
        }
        return s;
    }

    /**
     * The init a {@code struct kvm_vcpu_init} holds; bits kvm4j does not know are rejected.
     *
     * @param s the struct
     * @return the init
     * @throws IllegalArgumentException if a feature bit kvm4j does not know is set
     */
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
