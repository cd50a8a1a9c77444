package dev.kvm4j.arm.state;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Writes a state's big-endian fields into bytes, the form {@link StateReader} reads back. kvm4j's saved
 * states ({@link StateCodec}) and the vmm's snapshot sections both write through it.
 */
public final class StateWriter {
    private StateWriter() {}

    /** The fields of one state, written in order. */
    @FunctionalInterface
    public interface Fields {
        /**
         * Writes the fields.
         *
         * @param out where they go, big-endian
         * @throws IOException never for the in-memory stream {@link #write} gives; declared by DataOutputStream
         */
        void write(DataOutputStream out) throws IOException;
    }

    /**
     * The bytes {@code fields} writes.
     *
     * @param fields what to write
     * @return the bytes
     */
    public static byte[] write(Fields fields) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            fields.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory failed", e);
        }
        return bytes.toByteArray();
    }

    /**
     * A string as {@link StateReader#string} reads it: a u32 length, then the UTF-8 bytes.
     *
     * @param out where it goes
     * @param s the string
     * @throws IOException as {@link Fields#write}
     */
    public static void string(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }
}
