package dev.kvm4j.kvm.abi;

import dev.kvm4j.kvm.internal.Libc;
import dev.kvm4j.kvm.testing.CAbiCheck;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every number, offset and size of the kvm layer against both architectures' kernel headers. */
class KvmAbiTest {

    static CAbiCheck kvmLayer() {
        CAbiCheck check = new CAbiCheck().include("linux/kvm.h").include("fcntl.h").include("sys/mman.h").include("signal.h").include("sys/eventfd.h").include("linux/falloc.h");
        check.constants(KvmIoctls.class, n -> n.startsWith("KVM_"));
        check.constants(ExitReason.class, n -> n.startsWith("KVM_"));
        for (Capability cap : Capability.values()) check.constant(cap.macro(), cap.number());
        for (var s : KvmStructs.ALL) check.struct(s, true);
        check.struct(KvmStructs.STRUCT_KVM_RUN, false);
        check.constants(Libc.class, n -> n.startsWith("O_") || n.startsWith("PROT_") || n.startsWith("MAP_") || n.startsWith("SA_"));
        check.struct(Libc.STRUCT_SIGACTION, true);
        check.constants(dev.kvm4j.kvm.EventFd.class, n -> n.startsWith("EFD_"));
        check.constants(dev.kvm4j.kvm.sys.FileSpace.class, n -> n.startsWith("FALLOC_FL_"));
        return check;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"gcc", "aarch64-linux-gnu-gcc"})
    void constantsAndLayoutsMatchTheKernelHeaders(String compiler) throws Exception {
        CAbiCheck check = kvmLayer();
        assertTrue(check.size() > 80, "the check covers " + check.size() + " items");
        check.verify(compiler);
    }
}
