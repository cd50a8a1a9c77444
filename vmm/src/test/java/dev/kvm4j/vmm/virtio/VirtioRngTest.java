package dev.kvm4j.vmm.virtio;

import dev.kvm4j.vmm.virtio.FakeDriver.Buf;
import org.junit.jupiter.api.Test;

import static dev.kvm4j.vmm.virtio.FakeDriver.*;
import static org.junit.jupiter.api.Assertions.*;

class VirtioRngTest {
    @Test
    void fillsTheDriversBuffer() throws Exception {
        try (var d = new FakeDriver(new VirtioRng()).start()) {
            assertEquals(VirtioRng.DEVICE_ID, d.reg(VirtioMmio.DEVICE_ID));
            int head = d.submit(new Buf(DATA, 256, true), new Buf(DATA + 0x1000, 256, true));
            int[] used = d.awaitUsed(0);
            assertEquals(head, used[0]);
            assertEquals(512, used[1]);
            byte[] a = d.ram.read(DATA, 256), b = d.ram.read(DATA + 0x1000, 256);
            int zeros = 0;
            for (int i = 0; i < 256; i++) zeros += (a[i] == 0 ? 1 : 0) + (b[i] == 0 ? 1 : 0);
            assertTrue(zeros < 32, "512 random bytes have few zeros, not " + zeros);
        }
    }

    @Test
    void theNodeDescribesAnEdgeRisingSpi() {
        var node = new VirtioMmioNode(0x0a00_0000L, VirtioMmio.REGION_SIZE, 16);
        assertEquals("virtio_mmio@a000000", node.nodeName());
        assertArrayEquals(new int[]{0, 16, 1}, node.interruptCells());
        byte[] blob = node.writeTo(new dev.kvm4j.vmm.fdt.FdtWriter().beginNode("")).endNode().finish();
        assertTrue(new String(blob, java.nio.charset.StandardCharsets.ISO_8859_1).contains("virtio,mmio"));
    }
}
