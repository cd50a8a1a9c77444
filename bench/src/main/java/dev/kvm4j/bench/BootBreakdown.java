package dev.kvm4j.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a boot's time goes, from one run whose kernel prints its log (no {@code quiet}, printk times on):
 * process start → VM created → first instruction → kernel start → kernel's first console message → /init →
 * userspace marker. Host times are when each line reached the benchmark; the guest's own clock is the
 * printk timestamp. Kernel start on the host is estimated as the smallest (host − guest) time over the
 * kernel's lines (lines printed live sit on that line; the backlog the console prints on registration sits
 * above it).
 */
final class BootBreakdown {
    private static final Pattern PRINTK = Pattern.compile("^\\[\\s*(\\d+)\\.(\\d{6})\\]\\s?(.*)$");
    private static final Pattern TIMELINE = Pattern.compile("^\\s+([\\d.]+)\\s+\\+\\s*[\\d.]+\\s+(.+)$");
    static final String RUN_INIT = "Run /init as init process";

    record Kernel(double hostMs, double guestMs, String text) {}

    private final String vmm;
    private final ConsoleRecord rec;
    private final List<Kernel> kernel = new ArrayList<>();

    BootBreakdown(String vmm, ConsoleRecord rec) {
        this.vmm = vmm;
        this.rec = rec;
        for (ConsoleRecord.Line l : rec.lines()) {
            Matcher m = PRINTK.matcher(l.text());
            if (m.matches()) kernel.add(new Kernel(l.ms(), Long.parseLong(m.group(1)) * 1000 + Long.parseLong(m.group(2)) / 1000.0, m.group(3)));
        }
    }

    /** kvm4j's {@code --timings} marks (ms since its run began), moved onto the host's clock by its first console byte. */
    private List<String[]> kvm4jMarks() {
        List<String[]> marks = new ArrayList<>();
        double firstByte = -1;
        boolean in = false;
        List<double[]> raw = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (ConsoleRecord.Line l : rec.lines()) {
            if (l.text().startsWith("boot timeline")) { in = true; continue; }
            if (!in) continue;
            Matcher m = TIMELINE.matcher(l.text());
            if (!m.matches()) break;
            raw.add(new double[] {Double.parseDouble(m.group(1))});
            names.add(m.group(2).trim());
            if (m.group(2).contains("first console byte")) firstByte = Double.parseDouble(m.group(1));
        }
        if (firstByte < 0 || rec.lines().isEmpty()) return marks;
        double offset = rec.lines().get(0).ms() - firstByte;
        marks.add(new String[] {"JVM started, kvm4j's run begins", String.format(Locale.ROOT, "%.0f", offset)});
        for (int i = 0; i < raw.size(); i++) marks.add(new String[] {names.get(i), String.format(Locale.ROOT, "%.0f", raw.get(i)[0] + offset)});
        return marks;
    }

    /** QEMU's trace lines (-trace kvm_init_vcpu, kvm_cpu_exec): the first of each, host time. */
    private double firstTrace(String event) {
        for (ConsoleRecord.Line l : rec.lines()) if (l.text().contains(event)) return l.ms();
        return -1;
    }

    void print() {
        System.out.printf(Locale.ROOT, "boot breakdown, %s (one run, kernel log on; ms since process start, [guest clock s]):%n", vmm);
        List<String> steps = new ArrayList<>();
        if (vmm.equals("kvm4j")) {
            for (String[] m : kvm4jMarks()) {
                if (m[0].startsWith("first console") || m[0].equals("exit")) continue;
                steps.add(m[0] + " " + m[1]);
            }
        } else {
            double created = firstTrace("kvm_init_vcpu"), first = firstTrace("kvm_cpu_exec");
            steps.add("VM created (first vCPU set up) " + (created < 0 ? "n/a" : String.format(Locale.ROOT, "%.0f", created)));
            steps.add("first instruction (first KVM_RUN loop) " + (first < 0 ? "n/a" : String.format(Locale.ROOT, "%.0f", first)));
        }
        if (!kernel.isEmpty()) {
            double start = kernel.stream().mapToDouble(k -> k.hostMs() - k.guestMs()).min().orElse(-1);
            steps.add(String.format(Locale.ROOT, "kernel's clock starts (estimated) %.0f", start));
            Kernel first = kernel.get(0);
            steps.add(String.format(Locale.ROOT, "kernel's first message on the console %.0f [%.3f]", first.hostMs(), first.guestMs() / 1000));
            kernel.stream().filter(k -> k.text().contains(RUN_INIT)).findFirst().ifPresent(k ->
                    steps.add(String.format(Locale.ROOT, "/init started %.0f [%.3f]", k.hostMs(), k.guestMs() / 1000)));
        }
        steps.add(String.format(Locale.ROOT, "userspace marker %.0f", rec.at(ConsoleRecord.MARKER)));
        System.out.println("  " + String.join(" -> ", steps));
        System.out.printf(Locale.ROOT, "  kernel: %d console lines; its longest silences (guest clock): %s%n", kernel.size(), gaps(3));
    }

    /** The {@code n} largest gaps between consecutive printk times, with the line that ended each. */
    private String gaps(int n) {
        List<String> out = new ArrayList<>();
        List<int[]> idx = new ArrayList<>();
        for (int i = 1; i < kernel.size(); i++) idx.add(new int[] {i});
        idx.sort(Comparator.comparingDouble((int[] i) -> kernel.get(i[0] - 1).guestMs() - kernel.get(i[0]).guestMs()));
        for (int[] i : idx.subList(0, Math.min(n, idx.size()))) {
            Kernel k = kernel.get(i[0]);
            String text = k.text().length() > 60 ? k.text().substring(0, 60) + "..." : k.text();
            out.add(String.format(Locale.ROOT, "%.0f ms before \"%s\"", k.guestMs() - kernel.get(i[0] - 1).guestMs(), text));
        }
        return String.join("; ", out);
    }

    /** The subsystems (the "name:" that starts a kernel line) whose lines appear in one log only. */
    static String onlyIn(BootBreakdown a, BootBreakdown b) {
        Set<String> onlyA = a.prefixes();
        onlyA.removeAll(b.prefixes());
        return String.join(", ", onlyA);
    }

    private Set<String> prefixes() {
        Set<String> s = new TreeSet<>();
        Pattern p = Pattern.compile("^([A-Za-z][\\w.-]*(?: [\\w.:-]+)?):\\s");
        for (Kernel k : kernel) {
            Matcher m = p.matcher(k.text());
            if (m.find()) s.add(m.group(1).replaceAll(" [0-9a-f]{4,}\\.\\w+$", "").replaceAll("\\s+\\S*\\d\\S*$", ""));
        }
        return s;
    }

    String log() {
        StringBuilder sb = new StringBuilder();
        for (ConsoleRecord.Line l : rec.lines()) sb.append(String.format(Locale.ROOT, "%10.1f  %s%n", l.ms(), l.text()));
        return sb.toString();
    }
}
