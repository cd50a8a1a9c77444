package dev.kvm4j.vmm.loader;

import dev.kvm4j.arm.gic.GicVersion;
import dev.kvm4j.kvm.GuestMemory;
import dev.kvm4j.vmm.BadInputException;
import dev.kvm4j.vmm.Boot;
import dev.kvm4j.vmm.Layout;
import dev.kvm4j.vmm.MachineConfig;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.opentest4j.TestAbortedException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Hostile boot files: random byte flips, truncations and header-field overwrites of real kernels (Debian's
 * arm64 Image, plain, gzip'ed as Debian ships it and wrapped as an EFI zboot; the armhf zImage), of real
 * initrds, and of small synthetic images. Every case must end in a one-line refusal (a
 * {@link BadInputException}) or a complete load, within a time limit: never another exception, an Error or a
 * hang. A summary line with the counts is printed at the end.
 *
 * <p>The real files are the default guest's, found where guests/build caches them (or in
 * {@code KVM4J_DEFAULT_GUEST}); without them only the synthetic images run, and
 * {@link #realKernelFilesArePresent} is skipped with the reason.
 */
class HostileFilesPropertyTest {
    private static final long RAM = 256 * Layout.MIB;
    private static final Duration CASE_LIMIT = Duration.ofSeconds(20);
    private static final int HEADER_ZONE = 4096;

    record Field(String name, int offset, int width) {}

    /**
     * @param bytes    the file as it is before mutation, and in {@link #file} between cases
     * @param aarch32  the kernel state it boots in (for an initrd: the kernel it goes with)
     * @param initrd   whether it is mutated as the initrd (the kernel then is a small valid one)
     * @param weight   how often it is drawn: real kernels cost tens of ms a case
     */
    record Seed(String name, byte[] bytes, boolean aarch32, boolean initrd, List<Field> fields, int weight, Path file) {
        @Override
        public String toString() { return name; }
    }

    /** Bytes written at {@code offset} (XORed into the original if {@code xor}). */
    record Patch(long offset, byte[] data, boolean xor) {}

    /** @param truncateTo -1: the length is kept */
    record Mutation(String what, List<Patch> patches, long truncateTo) {}

    record Case(Seed seed, Mutation mutation) {
        @Override
        public String toString() { return seed + ": " + mutation.what(); }
    }

    enum Outcome { REFUSED, LOADED, OTHER }

    private static final List<Seed> SEEDS = new ArrayList<>();
    private static String realFiles = "";
    private static Path dir, smallArm64, smallZImage, smallInitrd;
    private static GuestMemory ram;
    private static final Map<String, AtomicInteger> COUNTS = new ConcurrentHashMap<>();

    @BeforeContainer
    static void corpus() throws IOException {
        dir = Files.createTempDirectory("kvm4j-hostile");
        ram = GuestMemory.allocate(Layout.RAM_BASE, RAM);
        smallArm64 = Files.write(dir.resolve("small-Image"), TestImages.arm64(16 * 1024));
        smallZImage = Files.write(dir.resolve("small-zImage"), TestImages.zImage(16 * 1024, 64 * 1024, 8 * 1024));
        smallInitrd = Files.write(dir.resolve("small-initrd"), TestImages.pattern(4096));

        byte[] arm64 = TestImages.arm64(64 * 1024);
        byte[] zImage = TestImages.zImage(64 * 1024, 256 * 1024, 32 * 1024);
        add("synthetic Image", arm64, false, false, arm64Fields(), 20);
        add("synthetic old Image (image_size 0)", TestImages.arm64(32 * 1024, 0, 0, 0), false, false, arm64Fields(), 10);
        byte[] gz = TestImages.gzip(arm64);
        add("synthetic Image.gz", gz, false, false, gzipFields(gz.length), 20);
        byte[] zboot = TestImages.zboot(TestImages.gzip(arm64), "gzip");
        add("synthetic zboot", zboot, false, false, zbootFields(zboot), 20);
        add("synthetic zImage", zImage, true, false, zImageFields(zImage), 20);
        add("synthetic zImage without size tag", TestImages.zImage(32 * 1024, 0, 0), true, false, zImageFields(TestImages.zImage(32 * 1024, 0, 0)), 10);
        byte[] zgz = TestImages.gzip(zImage);
        add("synthetic zImage.gz", zgz, true, false, gzipFields(zgz.length), 10);
        byte[] initrd = TestImages.gzip(TestImages.pattern(32 * 1024));
        add("synthetic initrd", initrd, false, true, gzipFields(initrd.length), 20);

        Optional<Path> guests = guestsDir();
        if (guests.isPresent()) {
            Path g = guests.get();
            List<String> found = new ArrayList<>();
            if (Files.isRegularFile(g.resolve("Image"))) {
                byte[] image = Files.readAllBytes(g.resolve("Image"));
                add("Debian Image", image, false, false, arm64Fields(), 8);
                byte[] vmlinuz = TestImages.gzip(image, 1);
                add("Debian Image.gz", vmlinuz, false, false, gzipFields(vmlinuz.length), 3);
                byte[] efi = TestImages.zboot(vmlinuz, "gzip");
                add("Debian Image as EFI zboot", efi, false, false, zbootFields(efi), 3);
                found.add("Image (+ .gz, zboot)");
            }
            if (Files.isRegularFile(g.resolve("zImage-armhf"))) {
                byte[] z = Files.readAllBytes(g.resolve("zImage-armhf"));
                add("Debian zImage-armhf", z, true, false, zImageFields(z), 16);
                found.add("zImage-armhf");
            }
            for (String name : List.of("initramfs-arm64.cpio.gz", "initramfs-armhf.cpio.gz")) {
                if (!Files.isRegularFile(g.resolve(name))) continue;
                byte[] i = Files.readAllBytes(g.resolve(name));
                add(name, i, name.contains("armhf"), true, gzipFields(i.length), 15);
                found.add(name);
            }
            realFiles = found.isEmpty() ? "" : String.join(", ", found) + " from " + g;
        }
    }

    @AfterContainer
    static void summary() throws IOException {
        int cases = count("cases");
        System.out.printf("hostile files: %d cases, %d refused, %d loaded, %d other%n",
                cases, count("outcome REFUSED"), count("outcome LOADED"), count("outcome OTHER"));
        System.out.println("hostile files: real files: " + (realFiles.isEmpty() ? "none found, synthetic images only" : realFiles));
        Map<String, Integer> sorted = new TreeMap<>();
        COUNTS.forEach((k, v) -> sorted.put(k, v.get()));
        sorted.forEach((k, v) -> { if (!k.equals("cases")) System.out.println("hostile files:   " + k + ": " + v); });
        if (ram != null) ram.close();
        if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }

    private static int count(String key) {
        AtomicInteger n = COUNTS.get(key);
        return n == null ? 0 : n.get();
    }

    private static void add(String name, byte[] bytes, boolean aarch32, boolean initrd, List<Field> fields, int weight) throws IOException {
        Path file = Files.write(dir.resolve("seed-" + SEEDS.size()), bytes);
        SEEDS.add(new Seed(name, bytes, aarch32, initrd, fields, weight, file));
    }

    /**
     * The default guest's directory: {@code KVM4J_DEFAULT_GUEST}, else the newest complete one guests/build
     * left in the cache. guests/build itself is not run: it may build the whole rig.
     */
    static Optional<Path> guestsDir() {
        String env = System.getenv("KVM4J_DEFAULT_GUEST");
        if (env != null && Files.isDirectory(Path.of(env))) return Optional.of(Path.of(env));
        String cache = System.getenv("KVM4J_CACHE");
        Path guests = (cache != null ? Path.of(cache) : Path.of(System.getProperty("user.home"), ".cache", "kvm4j")).resolve("guests");
        if (!Files.isDirectory(guests)) return Optional.empty();
        try (Stream<Path> dirs = Files.list(guests)) {
            return dirs.filter(d -> Files.isRegularFile(d.resolve("done")) && Files.isRegularFile(d.resolve("Image")))
                    .max(Comparator.comparingLong(d -> d.resolve("done").toFile().lastModified()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // --- Header fields the mutations aim at -----------------------------------------------------------

    private static List<Field> arm64Fields() {
        return List.of(new Field("text_offset", Arm64Image.TEXT_OFFSET, 8), new Field("image_size", Arm64Image.IMAGE_SIZE, 8),
                new Field("flags", Arm64Image.FLAGS, 8), new Field("magic", Arm64Image.MAGIC_OFFSET, 4), new Field("res5", 0x3c, 4));
    }

    /** RFC 1952: magic, method, flags, mtime at the start; CRC32 and ISIZE at the end. */
    private static List<Field> gzipFields(int length) {
        return List.of(new Field("gzip magic", 0, 2), new Field("gzip method", 2, 1), new Field("gzip flags", 3, 1),
                new Field("gzip mtime", 4, 4), new Field("gzip crc32", length - 8, 4), new Field("gzip isize", length - 4, 4));
    }

    private static List<Field> zbootFields(byte[] z) {
        int payload = (int) LittleEndian.u32(z, EfiZboot.PAYLOAD_OFFSET);
        List<Field> f = new ArrayList<>(List.of(new Field("MZ", 0, 2), new Field("zimg", 4, 4),
                new Field("payload offset", EfiZboot.PAYLOAD_OFFSET, 4), new Field("payload size", EfiZboot.PAYLOAD_SIZE, 4),
                new Field("compression type", EfiZboot.COMPRESSION, 8)));
        for (Field g : gzipFields(4 + (int) LittleEndian.u32(z, EfiZboot.PAYLOAD_SIZE))) {
            if (g.offset() < 8) f.add(new Field("payload " + g.name(), payload + g.offset(), g.width()));
        }
        return f;
    }

    private static List<Field> zImageFields(byte[] z) {
        List<Field> f = new ArrayList<>(List.of(new Field("magic", ZImage.MAGIC_OFFSET, 4), new Field("start", ZImage.START, 4),
                new Field("end", ZImage.END, 4), new Field("endianness", ZImage.ENDIAN, 4),
                new Field("table magic", ZImage.TABLE_MAGIC, 4), new Field("table offset", ZImage.TABLE_OFFSET, 4)));
        long table = LittleEndian.u32(z, ZImage.TABLE_OFFSET);
        if (LittleEndian.u32(z, ZImage.TABLE_MAGIC) == ZImage.TABLE_PRESENT && table + 16 <= z.length) {
            f.add(new Field("tag words", (int) table, 4));
            f.add(new Field("tag", (int) table + 4, 4));
            f.add(new Field("size word offset", (int) table + 8, 4));
            f.add(new Field("bss size", (int) table + 12, 4));
            long sizeAt = LittleEndian.u32(z, (int) table + 8);
            if (sizeAt + 4 <= z.length) f.add(new Field("decompressed size", (int) sizeAt, 4));
        }
        return f;
    }

    // --- The generator ----------------------------------------------------------------------------

    @Provide
    Arbitrary<Case> cases() {
        List<Tuple.Tuple2<Integer, Arbitrary<Seed>>> seeds = SEEDS.stream()
                .map(s -> Tuple.of(s.weight(), Arbitraries.just(s))).toList();
        return Arbitraries.frequencyOf(seeds.toArray(Tuple.Tuple2[]::new))
                .flatMap(s -> mutation((Seed) s).map(m -> new Case((Seed) s, m)));
    }

    private static Arbitrary<Mutation> mutation(Seed s) {
        return Arbitraries.frequencyOf(
                Tuple.of(3, flips(s)),
                Tuple.of(3, truncation(s)),
                Tuple.of(3, overwrite(s)),
                Tuple.of(1, Combinators.combine(overwrite(s), truncation(s)).as((o, t) ->
                        new Mutation(o.what() + ", " + t.what(), o.patches(), t.truncateTo()))));
    }

    /** Most mutations aim at the headers, where the parsers look; some land anywhere. */
    private static Arbitrary<Long> position(Seed s) {
        long n = s.bytes().length;
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.longs().between(0, Math.min(HEADER_ZONE, n) - 1)),
                Tuple.of(1, Arbitraries.longs().between(0, n - 1)));
    }

    private static Arbitrary<Mutation> flips(Seed s) {
        return Combinators.combine(position(s), Arbitraries.integers().between(1, 255))
                .as((at, mask) -> new Patch(at, new byte[] {(byte) (int) mask}, true))
                .list().ofMinSize(1).ofMaxSize(8)
                .map(ps -> new Mutation(ps.size() + " byte flip(s) at " + ps.stream().map(p -> "0x" + Long.toHexString(p.offset())).toList(), ps, -1));
    }

    private static Arbitrary<Mutation> truncation(Seed s) {
        return position(s).map(n -> new Mutation("truncated to " + n + " bytes", List.of(), n));
    }

    private static Arbitrary<Mutation> overwrite(Seed s) {
        long n = s.bytes().length;
        Arbitrary<Long> values = Arbitraries.frequencyOf(
                Tuple.of(2, Arbitraries.of(0L, 1L, -1L, 63L, 64L, 0x1000L, 0x8000L, 0x7fff_ffffL, 0x8000_0000L, 0xffff_ffffL, 1L << 32,
                        Long.MAX_VALUE, Long.MIN_VALUE, Long.MAX_VALUE - Layout.RAM_BASE, Long.MAX_VALUE - Layout.RAM_BASE + 1,
                        -Layout.RAM_BASE, Arm64Image.FIELD_LIMIT, Arm64Image.FIELD_LIMIT + 1, n - 1, n, n + 1, 2 * n, RAM, RAM + 1)),
                Tuple.of(1, Arbitraries.longs()),
                // Where a sum with an address or size wraps past 2^63 (or 2^32 for a 32-bit field).
                Tuple.of(1, Arbitraries.longs().between(Long.MAX_VALUE - (1L << 34), Long.MAX_VALUE)),
                Tuple.of(1, Arbitraries.longs().between(0xffff_ffffL - (1L << 26), 0xffff_ffffL)),
                // Plausible sizes and offsets around the file's own.
                Tuple.of(1, Arbitraries.longs().between(0, 2 * n)));
        return Combinators.combine(Arbitraries.of(s.fields()), values).as((f, v) -> {
            byte[] le = new byte[f.width()];
            for (int i = 0; i < le.length; i++) le[i] = (byte) (v >>> (8 * i));
            return new Mutation(String.format("%s (offset 0x%x) := 0x%x", f.name(), f.offset(), v), List.of(new Patch(f.offset(), le, false)), -1);
        });
    }

    // --- The property -----------------------------------------------------------------------------

    @Property(tries = 2000, shrinking = ShrinkingMode.OFF, edgeCases = EdgeCasesMode.NONE)
    void everyHostileFileIsRefusedInOneLineOrLoaded(@ForAll("cases") Case c) throws IOException {
        Outcome outcome = Outcome.OTHER;
        apply(c);
        try {
            outcome = assertTimeoutPreemptively(CASE_LIMIT, () -> run(c), () -> "hang: " + c);
        } catch (Throwable t) {
            System.out.println("hostile files: OTHER: " + c + " -> " + t);
            throw t;
        } finally {
            restore(c);
            COUNTS.computeIfAbsent("cases", k -> new AtomicInteger()).incrementAndGet();
            COUNTS.computeIfAbsent("outcome " + outcome, k -> new AtomicInteger()).incrementAndGet();
            COUNTS.computeIfAbsent(c.seed().name() + " " + outcome, k -> new AtomicInteger()).incrementAndGet();
        }
    }

    private static Outcome run(Case c) {
        Seed s = c.seed();
        Path kernel = s.initrd() ? (s.aarch32() ? smallZImage : smallArm64) : s.file();
        Path initrd = s.initrd() ? s.file() : smallInitrd;
        MachineConfig config = MachineConfig.builder().kernel(kernel).initrd(initrd).aarch32(s.aarch32()).memory(RAM).build();
        try {
            Boot.prepare(config, Boot.read(config, ram), GicVersion.V3, ram);
            return Outcome.LOADED;
        } catch (BadInputException e) {
            String m = e.getMessage();
            assertNotNull(m, c::toString);
            assertFalse(m.contains("\n") || m.contains("\r"), () -> c + ": message is not one line: " + m);
            assertTrue(m.startsWith("kernel ") || m.startsWith("initrd ") || m.startsWith("device tree"), () -> c + ": " + m);
            assertEquals(m.strip(), m, c::toString);
            if (e instanceof LoadException l) COUNTS.computeIfAbsent("refused " + l.problem(), k -> new AtomicInteger()).incrementAndGet();
            return Outcome.REFUSED;
        }
    }

    private static void apply(Case c) throws IOException {
        byte[] seed = c.seed().bytes();
        try (FileChannel ch = FileChannel.open(c.seed().file(), StandardOpenOption.WRITE)) {
            for (Patch p : c.mutation().patches()) {
                if (p.offset() >= seed.length) continue;
                int n = (int) Math.min(p.data().length, seed.length - p.offset());
                byte[] b = new byte[n];
                for (int i = 0; i < n; i++) b[i] = p.xor() ? (byte) (seed[(int) p.offset() + i] ^ p.data()[i]) : p.data()[i];
                ch.write(ByteBuffer.wrap(b), p.offset());
            }
            if (c.mutation().truncateTo() >= 0) ch.truncate(c.mutation().truncateTo());
        }
    }

    /** Puts the seed file back as it was: the patched bytes and any truncated tail. */
    private static void restore(Case c) throws IOException {
        byte[] seed = c.seed().bytes();
        try (FileChannel ch = FileChannel.open(c.seed().file(), StandardOpenOption.WRITE)) {
            for (Patch p : c.mutation().patches()) {
                if (p.offset() >= seed.length) continue;
                int n = (int) Math.min(p.data().length, seed.length - p.offset());
                ch.write(ByteBuffer.wrap(seed, (int) p.offset(), n), p.offset());
            }
            long t = c.mutation().truncateTo();
            if (t >= 0) {
                ByteBuffer tail = ByteBuffer.wrap(seed, (int) t, seed.length - (int) t);
                for (long at = t; tail.hasRemaining(); ) at += ch.write(tail, at);
            }
        }
    }

    // --- The corpus itself ------------------------------------------------------------------------

    /** Unmutated, every seed boots: a "loaded" outcome above means the mutation was harmless, not that the seed was. */
    @Example
    void everySeedLoadsAsItIs() {
        for (Seed s : SEEDS) {
            Case c = new Case(s, new Mutation("unchanged", List.of(), -1));
            assertEquals(Outcome.LOADED, assertTimeoutPreemptively(CASE_LIMIT, () -> run(c)), c::toString);
        }
    }

    @Example
    void realKernelFilesArePresent() {
        if (realFiles.isEmpty()) {
            throw new TestAbortedException("no default guest (run guests/build, or set KVM4J_DEFAULT_GUEST): "
                    + "the hostile-files property ran on synthetic images only");
        }
        assertTrue(SEEDS.stream().anyMatch(s -> s.name().startsWith("Debian") || s.name().startsWith("initramfs")));
    }
}
