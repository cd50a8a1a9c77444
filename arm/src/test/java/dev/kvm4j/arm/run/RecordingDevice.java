package dev.kvm4j.arm.run;

import java.util.ArrayList;
import java.util.List;

/** A test device that answers every load with one value and remembers every access, in order. */
final class RecordingDevice implements MmioHandler {
    record Access(long offset, int size, boolean write, long value) {
        static Access read(long offset, int size) { return new Access(offset, size, false, 0); }

        static Access write(long offset, int size, long value) { return new Access(offset, size, true, value); }

        @Override
        public String toString() {
            return String.format("%s %d@0x%x%s", write ? "write" : "read", size, offset, write ? String.format(" 0x%x", value) : "");
        }
    }

    private final long readValue;
    private final List<Access> accesses = new ArrayList<>();

    RecordingDevice(long readValue) { this.readValue = readValue; }

    @Override
    public synchronized long read(long offset, int size) {
        accesses.add(Access.read(offset, size));
        return readValue;
    }

    @Override
    public synchronized void write(long offset, int size, long value) {
        accesses.add(Access.write(offset, size, value));
    }

    synchronized List<Access> accesses() { return List.copyOf(accesses); }
}
