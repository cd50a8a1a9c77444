package dev.kvm4j.vmm.virtio;

import dev.kvm4j.kvm.sys.VectoredIo;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A block request's data moved by several {@code preadv}/{@code pwritev} at once: a large request is cut into
 * parts of consecutive file ranges, the device thread moves the first and helper threads the rest, and
 * {@link #transfer} returns only when every part is done (the guest may see the used entry, and reuse its
 * buffers, only after that). The copy between the host's page cache and guest RAM is most of what a large
 * read costs; QEMU overlaps requests across its thread pool, while kvm4j serves a queue on one thread, so
 * without this a sequential read copied on one CPU.
 */
final class SplitIo implements AutoCloseable {
    /** Below this a part is not worth a hand-off to another thread (a futex wake and wait). */
    static final long MIN_PART = 128 * 1024;
    /** Cuts fall on page multiples of the request, so every part's file range stays page-aligned when the request is. */
    static final long ALIGN = 4096;
    /** At most this many parts, however many CPUs: the page cache's copy stops scaling long before. */
    static final int MAX_PARTS = 4;

    private final VectoredIo io;
    private final int parts;
    /** Null when there is one part (one CPU). */
    private final ExecutorService helpers;

    /**
     * Moves data through {@code io}, in up to {@code parts} pieces at once.
     *
     * @param io the open image, thread-safe (each call takes its own iovec array)
     * @param parts at most this many concurrent calls per request (1: all on the calling thread)
     * @param name names the helper threads
     */
    SplitIo(VectoredIo io, int parts, String name) {
        this.io = io;
        this.parts = Math.clamp(parts, 1, MAX_PARTS);
        this.helpers = this.parts == 1 ? null
                : Executors.newFixedThreadPool(this.parts - 1, Thread.ofPlatform().daemon().name(name + " io-", 1).factory());
    }

    /** One part for each CPU beyond the first, up to {@link #MAX_PARTS}: the vCPU waiting on the read leaves one free. */
    static int defaultParts() { return Runtime.getRuntime().availableProcessors(); }

    /**
     * Reads ({@code toGuest}) or writes {@code data} at file {@code position}, all parts done before it returns.
     *
     * @return bytes moved: the data's total, or less when the file ended under a read
     * @throws IOException when a part's call failed (the other parts have finished too)
     */
    long transfer(boolean toGuest, long position, List<MemorySegment> data) throws IOException {
        List<Part> cut = cut(data, parts);
        if (cut.size() == 1) return move(toGuest, position, data);
        List<Future<Long>> others = new ArrayList<>(cut.size() - 1);
        for (Part p : cut.subList(1, cut.size())) others.add(helpers.submit(() -> move(toGuest, position + p.offset, p.data)));
        long done = 0;
        Throwable failed = null;
        try {
            done = move(toGuest, position, cut.getFirst().data);
        } catch (IOException | RuntimeException e) {
            failed = e;
        }
        boolean interrupted = false;
        for (Future<Long> f : others) { // every part ends before the guest can see the request done
            while (true) {
                try {
                    done += f.get();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    if (failed == null) failed = e.getCause();
                    break;
                }
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
        if (failed instanceof IOException e) throw e;
        if (failed instanceof RuntimeException e) throw e;
        if (failed instanceof Error e) throw e;
        return done;
    }

    private long move(boolean toGuest, long position, List<MemorySegment> data) throws IOException {
        return toGuest ? io.preadv(position, data) : io.pwritev(position, data);
    }

    /** A part: its offset in the request and its buffers. */
    record Part(long offset, List<MemorySegment> data) { }

    /**
     * Cuts {@code data} into at most {@code parts} runs of about equal bytes, each at least {@link #MIN_PART},
     * cut at multiples of {@link #ALIGN} (inside a buffer when one spans the cut).
     */
    static List<Part> cut(List<MemorySegment> data, int parts) {
        long total = 0;
        for (MemorySegment s : data) total += s.byteSize();
        int n = (int) Math.clamp(Math.min(parts, total / MIN_PART), 1, Math.max(1, parts));
        if (n == 1) return List.of(new Part(0, data));
        long step = (total / n + ALIGN - 1) / ALIGN * ALIGN;
        List<Part> out = new ArrayList<>(n);
        List<MemorySegment> current = new ArrayList<>();
        long start = 0, at = 0, next = step;
        for (MemorySegment s : data) {
            long from = 0;
            while (from < s.byteSize()) {
                long take = Math.min(s.byteSize() - from, next - at);
                current.add(from == 0 && take == s.byteSize() ? s : s.asSlice(from, take));
                from += take;
                at += take;
                if (at == next && at < total) {
                    out.add(new Part(start, current));
                    current = new ArrayList<>();
                    start = at;
                    next = Math.min(total, at + step);
                }
            }
        }
        if (!current.isEmpty()) out.add(new Part(start, current));
        return out;
    }

    @Override
    public void close() {
        if (helpers != null) helpers.shutdownNow();
    }
}
