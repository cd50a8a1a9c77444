package dev.kvm4j.vmm.loader;

import dev.kvm4j.kvm.GuestMemory;

import java.nio.file.Path;

/** An uncompressed kernel file: its size is known up front, so placement is judged before any copy. */
record PlainSource(BootFile in) implements KernelSource {
    @Override
    public Path file() { return in.path(); }

    @Override
    public byte[] head(int n) { return in.head(n); }

    @Override
    public long length() { return in.size(); }

    @Override
    public long copyTo(GuestMemory ram, long gpa, long want) {
        in.read(0, ram.slice(gpa, Math.min(want, in.size())));
        return in.size();
    }

    @Override
    public String describeLength(long length) { return "is " + length + " bytes"; }
}
