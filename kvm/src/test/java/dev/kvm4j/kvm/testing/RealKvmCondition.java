package dev.kvm4j.kvm.testing;

import dev.kvm4j.kvm.Kvm;
import dev.kvm4j.kvm.KvmUnavailableException;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

import java.util.Arrays;

/** Decides, once per JVM, whether real KVM is here; see {@link RealKvm}. */
public final class RealKvmCondition implements ExecutionCondition {
    private static final String NO_KVM = noKvmReason();

    private static String noKvmReason() {
        try (Kvm ignored = Kvm.open()) {
            return null;
        } catch (KvmUnavailableException e) {
            return e.getMessage();
        }
    }

    /** The host's architecture as the JVM names it: amd64 or aarch64. */
    public static String hostArch() { return System.getProperty("os.arch"); }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (NO_KVM != null) return ConditionEvaluationResult.disabled("no real KVM: " + NO_KVM);
        var annotation = AnnotationSupport.findAnnotation(context.getElement(), RealKvm.class)
                .or(() -> context.getTestClass().flatMap(c -> AnnotationSupport.findAnnotation(c, RealKvm.class)));
        String[] arch = annotation.map(RealKvm::arch).orElse(new String[0]);
        if (arch.length > 0 && !Arrays.asList(arch).contains(hostArch())) {
            return ConditionEvaluationResult.disabled("guest code for " + String.join("/", arch) + ", host is " + hostArch());
        }
        return ConditionEvaluationResult.enabled("real /dev/kvm on " + hostArch());
    }
}
