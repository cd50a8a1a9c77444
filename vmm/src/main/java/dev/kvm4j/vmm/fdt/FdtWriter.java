package dev.kvm4j.vmm.fdt;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a flattened device tree blob (devicetree specification, chapter 5; version 17) in one pass:
 * nodes and properties in the order they are given, property names de-duplicated in the strings block.
 * It refuses what Linux's parser would trip over (properties after a child node, unbalanced nodes,
 * names too long or with NULs) at the call that does it, not later at boot.
 */
public final class FdtWriter {
    private static final int MAGIC = 0xd00d_feed;
    private static final int VERSION = 17;
    private static final int LAST_COMPATIBLE_VERSION = 16;
    private static final int HEADER_SIZE = 40;
    private static final int FDT_BEGIN_NODE = 1, FDT_END_NODE = 2, FDT_PROP = 3, FDT_END = 9;
    /** The spec limits node names (without unit address) and property names to 31 characters. */
    private static final int MAX_NAME = 31;

    private final Bytes struct = new Bytes();
    private final Bytes strings = new Bytes();
    private final Map<String, Integer> stringOffsets = new HashMap<>();
    private final List<long[]> reservations = new ArrayList<>();
    private final Deque<OpenNode> open = new ArrayDeque<>();
    private boolean rootWritten;
    private int bootCpuId;

    /** An empty tree. */
    public FdtWriter() {}

    private static final class OpenNode {
        final String name;
        final Set<String> properties = new HashSet<>();
        boolean hasChildren;

        OpenNode(String name) { this.name = name; }
    }

    /**
     * Adds a memory reservation map entry: memory the OS must not use.
     *
     * @param address the first byte
     * @param size the length in bytes
     * @return this writer
     */
    public FdtWriter reserveMemory(long address, long size) {
        reservations.add(new long[] {address, size});
        return this;
    }

    /**
     * Sets the header's {@code boot_cpuid_phys}.
     *
     * @param physicalId the boot CPU's {@code reg}
     * @return this writer
     */
    public FdtWriter bootCpuId(int physicalId) {
        bootCpuId = physicalId;
        return this;
    }

    /**
     * Opens a node; the first must be the root, named "".
     *
     * @param name the node name, with its unit address
     * @return this writer
     * @throws IllegalStateException for a second root, or a node after the root closed
     * @throws IllegalArgumentException for a name the device tree format does not allow
     */
    public FdtWriter beginNode(String name) {
        if (open.isEmpty()) {
            if (rootWritten) throw new IllegalStateException("the tree already has a root node");
            if (!name.isEmpty()) throw new IllegalArgumentException("the root node's name must be empty, not '" + name + "'");
            rootWritten = true;
        } else {
            checkNodeName(name);
            open.peek().hasChildren = true;
        }
        struct.u32(FDT_BEGIN_NODE);
        struct.string(name);
        struct.align(4);
        open.push(new OpenNode(name));
        return this;
    }

    /**
     * Closes the innermost open node.
     *
     * @return this writer
     * @throws IllegalStateException without an open node
     */
    public FdtWriter endNode() {
        if (open.isEmpty()) throw new IllegalStateException("endNode() without an open node");
        open.pop();
        struct.u32(FDT_END_NODE);
        return this;
    }

    /**
     * A property with raw bytes, in the innermost open node.
     *
     * @param name the property name
     * @param value its bytes
     * @return this writer
     * @throws IllegalStateException outside a node, after a child node, or for a name the node already has
     */
    public FdtWriter property(String name, byte[] value) {
        OpenNode node = open.peek();
        if (node == null) throw new IllegalStateException("property '" + name + "' outside any node");
        checkPropertyName(name);
        if (node.hasChildren) throw new IllegalStateException("property '" + name + "' of node '" + node.name + "' comes after a child node");
        if (!node.properties.add(name)) throw new IllegalStateException("node '" + node.name + "' already has property '" + name + "'");
        struct.u32(FDT_PROP);
        struct.u32(value.length);
        struct.u32(stringOffset(name));
        struct.bytes(value);
        struct.align(4);
        return this;
    }

    /**
     * A boolean property: present means true.
     *
     * @param name the property name
     * @return this writer
     */
    public FdtWriter property(String name) {
        return property(name, new byte[0]);
    }

    /**
     * A property of one 32-bit cell, big-endian.
     *
     * @param name the property name
     * @param value the cell
     * @return this writer
     */
    public FdtWriter propertyU32(String name, int value) {
        return propertyCells(name, value);
    }

    /**
     * A property of one 64-bit value, big-endian.
     *
     * @param name the property name
     * @param value the value
     * @return this writer
     */
    public FdtWriter propertyU64(String name, long value) {
        return property(name, ByteBuffer.allocate(8).putLong(value).array());
    }

    /**
     * A list of 32-bit cells, big-endian.
     *
     * @param name the property name
     * @param cells the cells
     * @return this writer
     */
    public FdtWriter propertyCells(String name, int... cells) {
        ByteBuffer b = ByteBuffer.allocate(4 * cells.length);
        for (int c : cells) b.putInt(c);
        return property(name, b.array());
    }

    /**
     * A list of 64-bit values, each as two cells: {@code reg} with #address-cells = #size-cells = 2.
     *
     * @param name the property name
     * @param values the values
     * @return this writer
     */
    public FdtWriter propertyU64s(String name, long... values) {
        ByteBuffer b = ByteBuffer.allocate(8 * values.length);
        for (long v : values) b.putLong(v);
        return property(name, b.array());
    }

    /**
     * One or more NUL-terminated strings ({@code compatible = "a", "b"}).
     *
     * @param name the property name
     * @param values the strings
     * @return this writer
     */
    public FdtWriter propertyStrings(String name, String... values) {
        Bytes b = new Bytes();
        for (String v : values) {
            if (v.indexOf('\0') >= 0) throw new IllegalArgumentException("value of property '" + name + "' contains a NUL");
            b.string(v);
        }
        return property(name, b.toByteArray());
    }

    /**
     * Closes the tree and returns the blob.
     *
     * @return the DTB
     * @throws IllegalStateException without a root, or with a node still open
     */
    public byte[] finish() {
        if (!rootWritten) throw new IllegalStateException("the tree has no root node");
        if (!open.isEmpty()) throw new IllegalStateException("node '" + open.peek().name + "' is still open (" + open.size() + " open)");
        Bytes structBlock = new Bytes();
        structBlock.bytes(struct.toByteArray());
        structBlock.u32(FDT_END);

        int reservationOffset = HEADER_SIZE; // already 8-aligned, as the map must be
        int structOffset = reservationOffset + 16 * (reservations.size() + 1);
        int stringsOffset = structOffset + structBlock.size();
        int total = stringsOffset + strings.size();

        Bytes out = new Bytes();
        out.u32(MAGIC);
        out.u32(total);
        out.u32(structOffset);
        out.u32(stringsOffset);
        out.u32(reservationOffset);
        out.u32(VERSION);
        out.u32(LAST_COMPATIBLE_VERSION);
        out.u32(bootCpuId);
        out.u32(strings.size());
        out.u32(structBlock.size());
        for (long[] r : reservations) {
            out.u64(r[0]);
            out.u64(r[1]);
        }
        out.u64(0);
        out.u64(0);
        out.bytes(structBlock.toByteArray());
        out.bytes(strings.toByteArray());
        return out.toByteArray();
    }

    private int stringOffset(String name) {
        return stringOffsets.computeIfAbsent(name, n -> {
            int offset = strings.size();
            strings.string(n);
            return offset;
        });
    }

    private static void checkNodeName(String name) {
        int at = name.indexOf('@');
        String base = at < 0 ? name : name.substring(0, at);
        if (base.isEmpty() || base.length() > MAX_NAME || !base.chars().allMatch(FdtWriter::nodeNameChar)) {
            throw new IllegalArgumentException("bad node name '" + name + "': 1 to 31 of [A-Za-z0-9,._+-] before any '@'");
        }
        if (at >= 0 && !name.substring(at + 1).chars().allMatch(FdtWriter::nodeNameChar)) {
            throw new IllegalArgumentException("bad unit address in node name '" + name + "'");
        }
    }

    private static void checkPropertyName(String name) {
        if (name.isEmpty() || name.length() > MAX_NAME
                || !name.chars().allMatch(c -> nodeNameChar(c) || c == '?' || c == '#')) {
            throw new IllegalArgumentException("bad property name '" + name + "': 1 to 31 of [A-Za-z0-9,._+?#-]");
        }
    }

    private static boolean nodeNameChar(int c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                || c == ',' || c == '.' || c == '_' || c == '+' || c == '-';
    }

    /** A big-endian byte sink. */
    private static final class Bytes extends ByteArrayOutputStream {
        void u32(int v) {
            write(v >>> 24);
            write(v >>> 16);
            write(v >>> 8);
            write(v);
        }

        void u64(long v) {
            u32((int) (v >>> 32));
            u32((int) v);
        }

        void bytes(byte[] b) {
            write(b, 0, b.length);
        }

        void string(String s) {
            bytes(s.getBytes(StandardCharsets.UTF_8));
            write(0);
        }

        void align(int n) {
            while (count % n != 0) write(0);
        }
    }
}
