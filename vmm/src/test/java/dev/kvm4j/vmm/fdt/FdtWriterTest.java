package dev.kvm4j.vmm.fdt;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.*;

class FdtWriterTest {
    private static int u32(byte[] b, int offset) {
        return ByteBuffer.wrap(b).getInt(offset);
    }

    private static byte[] small() {
        return new FdtWriter()
                .beginNode("")
                .propertyU32("#address-cells", 2)
                .beginNode("a@1").propertyStrings("compatible", "x,y").propertyU32("reg", 1).endNode()
                .beginNode("b@2").propertyStrings("compatible", "x,z").propertyU32("reg", 2).endNode()
                .endNode()
                .finish();
    }

    @Test
    void headerIsVersion17BigEndianWithConsistentOffsets() {
        byte[] b = small();
        assertEquals(0xd00dfeed, u32(b, 0), "magic");
        assertEquals(b.length, u32(b, 4), "totalsize");
        int structOff = u32(b, 8), stringsOff = u32(b, 12), rsvOff = u32(b, 16);
        assertEquals(17, u32(b, 20), "version");
        assertEquals(16, u32(b, 24), "last compatible version");
        assertEquals(40, rsvOff);
        assertEquals(rsvOff + 16, structOff, "empty reservation map = just its terminator");
        assertEquals(structOff + u32(b, 36), stringsOff, "struct block size");
        assertEquals(b.length, stringsOff + u32(b, 32), "strings block size");
        assertEquals(1, u32(b, structOff), "struct block starts with FDT_BEGIN_NODE");
        assertEquals(9, u32(b, stringsOff - 4), "struct block ends with FDT_END");
    }

    @Test
    void propertyNamesAreStoredOnceInTheStringsBlock() {
        byte[] b = small();
        String strings = new String(b, u32(b, 12), u32(b, 32), StandardCharsets.US_ASCII);
        assertEquals("#address-cells\0compatible\0reg\0", strings);
    }

    @Test
    void reservationMapEntriesAreWrittenBeforeTheTerminator() {
        byte[] b = new FdtWriter().reserveMemory(0x4000_0000L, 0x1000).beginNode("").endNode().finish();
        ByteBuffer buf = ByteBuffer.wrap(b);
        assertEquals(0x4000_0000L, buf.getLong(40));
        assertEquals(0x1000, buf.getLong(48));
        assertEquals(0, buf.getLong(56));
        assertEquals(0, buf.getLong(64));
        assertEquals(72, u32(b, 8));
    }

    @Test
    void decompilesWithDtc() throws Exception {
        String dts = Dtc.decompile(small()).dts();
        assertTrue(dts.contains("a@1 {"), dts);
        assertTrue(dts.contains("compatible = \"x,z\";"), dts);
        assertTrue(dts.contains("reg = <0x02>;"), dts);
    }

    @Test
    void propertyAfterAChildNodeIsRefused() {
        FdtWriter w = new FdtWriter().beginNode("").beginNode("a").endNode();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> w.propertyU32("x", 1));
        assertTrue(e.getMessage().contains("comes after a child node"), e.getMessage());
    }

    @Test
    void duplicatePropertyIsRefused() {
        FdtWriter w = new FdtWriter().beginNode("").propertyU32("x", 1);
        assertThrows(IllegalStateException.class, () -> w.propertyU32("x", 2));
    }

    @Test
    void unbalancedTreesAreRefused() {
        assertThrows(IllegalStateException.class, () -> new FdtWriter().beginNode("").beginNode("a").endNode().finish());
        assertThrows(IllegalStateException.class, () -> new FdtWriter().finish());
        assertThrows(IllegalStateException.class, () -> new FdtWriter().endNode());
        assertThrows(IllegalStateException.class, () -> new FdtWriter().beginNode("").endNode().beginNode(""));
    }

    @Test
    void badNamesAreRefused() {
        FdtWriter w = new FdtWriter().beginNode("");
        assertThrows(IllegalArgumentException.class, () -> w.beginNode("has space"));
        assertThrows(IllegalArgumentException.class, () -> w.beginNode("x".repeat(32)));
        assertThrows(IllegalArgumentException.class, () -> w.propertyU32("", 1));
        assertThrows(IllegalArgumentException.class, () -> w.propertyStrings("bootargs", "a\0b"));
        assertThrows(IllegalArgumentException.class, () -> new FdtWriter().beginNode("root"));
    }

    @Test
    void valuesArePaddedTo4Bytes() {
        byte[] b = new FdtWriter().beginNode("").propertyStrings("s", "abcde").endNode().finish();
        assertEquals(0, u32(b, 36) % 4);
    }
}
