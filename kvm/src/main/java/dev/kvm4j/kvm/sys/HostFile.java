package dev.kvm4j.kvm.sys;

import dev.kvm4j.kvm.Errno;
import dev.kvm4j.kvm.internal.FileHandle;
import dev.kvm4j.kvm.internal.Libc;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/** The one way this package opens a host file: its own close-on-exec descriptor, held by a {@link FileHandle}. */
final class HostFile {
    private HostFile() { }

    static FileHandle open(Path path, int flags) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Libc.allocateErrno(arena);
            int fd = Libc.open(errno, path.toString(), flags | Libc.O_CLOEXEC);
            if (fd < 0) throw new IOException(path + ": open failed: " + Errno.of(Libc.errno(errno)).description());
            return new FileHandle(fd, "file " + path);
        }
    }
}
