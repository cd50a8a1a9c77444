package dev.kvm4j.kvm.testing;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a test that runs against the host's real {@code /dev/kvm}. Where there is none, or the host's
 * architecture is not one of {@link #arch()}, the test is reported skipped with the reason, never passed.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@Tag("real-kvm")
@ExtendWith(RealKvmCondition.class)
public @interface RealKvm {
    /** Host architectures ({@code os.arch} values) this test's guest code is written for; empty = any. */
    String[] arch() default {};
}
