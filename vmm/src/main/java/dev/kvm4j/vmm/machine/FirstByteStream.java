package dev.kvm4j.vmm.machine;

import dev.kvm4j.vmm.BootTimeline;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/** The console stream, marking the boot timeline when the guest's first byte arrives. */
final class FirstByteStream extends FilterOutputStream {
    private final BootTimeline timeline;
    private volatile boolean seen;

    FirstByteStream(OutputStream out, BootTimeline timeline) {
        super(out);
        this.timeline = timeline;
    }

    @Override
    public void write(int b) throws IOException {
        mark();
        out.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (len > 0) mark();
        out.write(b, off, len);
    }

    private void mark() {
        if (!seen) {
            seen = true;
            timeline.markOnce(BootTimeline.FIRST_CONSOLE_BYTE);
        }
    }
}
