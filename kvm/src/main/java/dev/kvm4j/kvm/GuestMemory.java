package dev.kvm4j.kvm;

import dev.kvm4j.kvm.internal.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Guest RAM: an anonymous host mapping placed at a guest physical base. Every access is by guest
 * physical address and bounds-checked, so a wrong address is an error naming it, never a stray write.
 * Pages are reserved lazily (MAP_NORESERVE): gigabytes cost nothing until the guest touches them.
 * <p>
 * The mapping outlives {@link #close()} while a VM still has it in a memory slot: the user's close ends
 * the user's access, and the munmap waits until every VM that holds the memory has let it go (slot
 * removed, or the VM closed), so the kernel never keeps a slot over an address that may be reused.
 */
public final class GuestMemory implements AutoCloseable {
    private final long base;
    private final long size;
    private final Arena arena;
    private final MemorySegment host;
    /** The user's reference plus one per VM slot that holds this memory; the mapping goes at zero. */
    private final AtomicInteger references = new AtomicInteger(1);
    private final AtomicBoolean userClosed = new AtomicBoolean();

    private GuestMemory(long base, long size, Arena arena, MemorySegment host) {
        this.base = base;
        this.size = size;
        this.arena = arena;
        this.host = host;
    }

    /**
     * Maps {@code size} bytes of anonymous memory to appear at guest physical {@code base}.
     *
     * @param base the guest physical address of the first byte, 4 KiB aligned
     * @param size the length in bytes, a positive multiple of 4 KiB
     * @return the memory, zero-filled; add it to a VM with {@link Vm#addMemory}
     * @throws IllegalArgumentException if the base or the size is not 4 KiB aligned
     * @throws IllegalStateException if the host refuses the mapping (errno named)
     */
    public static GuestMemory allocate(long base, long size) {
        if (size <= 0 || (size & 0xfff) != 0) throw new IllegalArgumentException("guest RAM size 0x" + Long.toHexString(size) + " must be a positive multiple of 4 KiB");
        if ((base & 0xfff) != 0) throw new IllegalArgumentException("guest RAM base 0x" + Long.toHexString(base) + " must be 4 KiB aligned");
        Arena arena = Arena.ofShared();
        try {
            MemorySegment errno = Libc.allocateErrno(arena);
            MemorySegment m = Libc.mmap(errno, size, Libc.PROT_READ | Libc.PROT_WRITE,
                    Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS | Libc.MAP_NORESERVE, -1, 0);
            if (Libc.mapFailed(m)) {
                Errno e = Errno.of(Libc.errno(errno));
                throw new IllegalStateException("cannot map " + size + " bytes of guest RAM: " + e.name() + " (" + e.description() + ")");
            }
            MemorySegment host = m.reinterpret(size, arena, seg -> Libc.munmap(seg, size));
            return new GuestMemory(base, size, arena, host);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** {@return the guest physical address of the first byte} */
    public long base() { return base; }

    /** {@return the length in bytes} */
    public long size() { return size; }

    /** {@return one past the last guest physical address} */
    public long end() { return base + size; }

    /**
     * Whether {@code [gpa, gpa+length)} lies inside this memory, computed without overflow.
     *
     * @param gpa the first guest physical address
     * @param length the number of bytes
     * @return true if every byte of the range is in this memory
     */
    public boolean contains(long gpa, long length) {
        return length >= 0 && gpa >= base && gpa - base <= size - length;
    }

    /**
     * The host view of all of RAM, to be used only until {@link #close()}.
     *
     * @return the segment over the whole mapping; offset 0 is guest physical {@link #base()}
     * @throws ClosedHandleException if this memory was closed
     */
    public MemorySegment segment() {
        if (userClosed.get()) throw new ClosedHandleException(what(), "access");
        return host;
    }

    private String what() { return "guest memory at 0x" + Long.toHexString(base); }

    /** {@return the host virtual address of the mapping, as a memory slot's {@code userspace_addr} names it} */
    public long hostAddress() { return segment().address(); }

    /**
     * The host view of {@code [gpa, gpa+length)}, checked.
     *
     * @param gpa the first guest physical address
     * @param length the number of bytes
     * @return a segment over exactly that range
     * @throws GuestAddressException if any byte of the range is outside this memory
     */
    public MemorySegment slice(long gpa, long length) {
        check(gpa, length);
        return segment().asSlice(gpa - base, length);
    }

    /**
     * Copies bytes into guest RAM.
     *
     * @param gpa where the first byte goes
     * @param data the bytes
     * @throws GuestAddressException if the range is outside this memory
     */
    public void write(long gpa, byte[] data) { MemorySegment.copy(data, 0, slice(gpa, data.length), ValueLayout.JAVA_BYTE, 0, data.length); }

    /**
     * Copies bytes out of guest RAM.
     *
     * @param gpa the first guest physical address
     * @param length the number of bytes
     * @return a new array with the bytes
     * @throws GuestAddressException if the range is outside this memory
     */
    public byte[] read(long gpa, int length) { return slice(gpa, length).toArray(ValueLayout.JAVA_BYTE); }

    /**
     * Reads a 64-bit little-endian value (the host's byte order on x86_64 and arm64), at any alignment.
     *
     * @param gpa the guest physical address
     * @return the value
     * @throws GuestAddressException if the 8 bytes are outside this memory
     */
    public long readLong(long gpa) { return slice(gpa, 8).get(ValueLayout.JAVA_LONG_UNALIGNED, 0); }

    /**
     * Writes a 64-bit little-endian value, at any alignment.
     *
     * @param gpa the guest physical address
     * @param value the value
     * @throws GuestAddressException if the 8 bytes are outside this memory
     */
    public void writeLong(long gpa, long value) { slice(gpa, 8).set(ValueLayout.JAVA_LONG_UNALIGNED, 0, value); }

    /**
     * Reads a 32-bit little-endian value, at any alignment.
     *
     * @param gpa the guest physical address
     * @return the value
     * @throws GuestAddressException if the 4 bytes are outside this memory
     */
    public int readInt(long gpa) { return slice(gpa, 4).get(ValueLayout.JAVA_INT_UNALIGNED, 0); }

    /**
     * Writes a 32-bit little-endian value, at any alignment.
     *
     * @param gpa the guest physical address
     * @param value the value
     * @throws GuestAddressException if the 4 bytes are outside this memory
     */
    public void writeInt(long gpa, int value) { slice(gpa, 4).set(ValueLayout.JAVA_INT_UNALIGNED, 0, value); }

    /**
     * Writes little-endian 32-bit words (instructions) one after the other.
     *
     * @param gpa where the first word goes
     * @param words the words, in order
     * @throws GuestAddressException if the range is outside this memory
     */
    public void writeInts(long gpa, int... words) {
        MemorySegment s = slice(gpa, 4L * words.length);
        for (int i = 0; i < words.length; i++) s.set(ValueLayout.JAVA_INT_UNALIGNED, 4L * i, words[i]);
    }

    /**
     * Zeroes all of RAM, as for a reboot. {@code madvise(MADV_DONTNEED)} on the private anonymous mapping hands
     * the pages back to the kernel, which maps zero pages on the next touch (KVM's MMU notifier drops its
     * stage-2 entries): instant, and the host gets the memory back. Filling with zeros is the fallback.
     *
     * @throws ClosedHandleException if this memory was closed
     */
    public void zero() {
        MemorySegment s = segment();
        if (Libc.madvise(s, s.byteSize(), Libc.MADV_DONTNEED) != 0) s.fill((byte) 0);
    }

    private void check(long gpa, long length) {
        if (!contains(gpa, length)) {
            throw new GuestAddressException(gpa, length, base, end());
        }
    }

    /** Ends the user's access; the mapping itself goes once no VM slot holds it. Idempotent. */
    @Override
    public void close() {
        if (userClosed.compareAndSet(false, true)) release();
    }

    /** {@return true once {@link #close()} was called (the mapping may live on while a VM slot holds it)} */
    public boolean isClosed() { return userClosed.get(); }

    /** A VM slot takes a reference (the user's must still be there: a closed memory is not mapped anew). */
    void retain(String operation) {
        if (userClosed.get()) throw new ClosedHandleException(what(), operation);
        for (int r = references.get(); ; r = references.get()) {
            if (r <= 0) throw new ClosedHandleException(what(), operation);
            if (references.compareAndSet(r, r + 1)) break;
        }
        if (userClosed.get()) { // closed meanwhile
            release();
            throw new ClosedHandleException(what(), operation);
        }
    }

    void release() {
        if (references.decrementAndGet() == 0) arena.close();
    }

    /** True while the host mapping exists (for tests of the lifetimes). */
    boolean isMapped() { return arena.scope().isAlive(); }
}
