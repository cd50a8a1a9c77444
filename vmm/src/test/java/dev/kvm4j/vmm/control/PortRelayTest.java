package dev.kvm4j.vmm.control;

import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** The relay's target forms (its bridging runs in the rig: scripts/test-control-rig.sh). */
class PortRelayTest {
    @Test
    void aUnixTargetIsTheSocketPath() {
        assertEquals(Path.of("/tmp/kvm4j-control.sock"), ((UnixDomainSocketAddress) PortRelay.target("unix:/tmp/kvm4j-control.sock")).getPath());
    }

    @Test
    void aTcpTargetWithoutHostIsLoopback() {
        InetSocketAddress a = (InetSocketAddress) PortRelay.target("tcp::1234");
        assertEquals("127.0.0.1", a.getHostString());
        assertEquals(1234, a.getPort());
        assertEquals(4321, ((InetSocketAddress) PortRelay.target("tcp:127.0.0.1:4321")).getPort());
    }

    @Test
    void anythingElseIsRefusedSayingWhatIsExpected() {
        for (String bad : new String[] {"unix:", "tcp:x", "tcp::99999", "tcp::port", "/tmp/sock"}) {
            var e = assertThrows(IllegalArgumentException.class, () -> PortRelay.target(bad), bad);
            assertTrue(e.getMessage().contains("expected unix:PATH or tcp:HOST:PORT"), e.getMessage());
        }
    }
}
