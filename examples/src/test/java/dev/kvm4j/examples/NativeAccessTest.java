package dev.kvm4j.examples;

import org.junit.jupiter.api.Test;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Native access is dev.kvm4j.kvm's alone: code in any other module (here this one, whose tests surefire
 * patches into it) that calls a restricted FFM method is refused, not merely warned about.
 */
class NativeAccessTest {
    @Test
    void aRestrictedCallOutsideKvmIsRefused() {
        assumeTrue(getClass().getModule().isNamed(), "runs on the class path here: only the module path has the rule");
        assertFalse(getClass().getModule().isNativeAccessEnabled());
        assertTrue(dev.kvm4j.kvm.Kvm.class.getModule().isNativeAccessEnabled());
        var e = assertThrows(IllegalCallerException.class, () -> Linker.nativeLinker().downcallHandle(FunctionDescriptor.ofVoid()));
        assertTrue(e.getMessage().contains("dev.kvm4j.examples"), e.getMessage());
    }
}
