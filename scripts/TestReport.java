import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads the JUnit XML of every environment (the host's Maven run, then each emulated arm64 CPU model)
 * and prints one table of tests x environments, what ran on real KVM, and a closing count line.
 * Exits 1 when a test failed, an environment produced no results, or an ARM test ran nowhere.
 * A test that failed and then passed when run again (the ARM suite's rerun, in a {@code rerun} directory, or
 * Surefire's {@code flakyFailure}) is FLAKY: counted passed, and listed with its first failure.
 *
 * Usage: java TestReport.java ENV=DIR [ENV=DIR ...]   (each DIR is searched for TEST-*.xml)
 */
public class TestReport {
    record Result(String status, String reason) {}

    /** What each environment's second run (arm-suite.sh's rerun of its failures) said, by test. */
    private static final Map<String, Map<String, Result>> RERUN = new TreeMap<>();
    /** Failed invocations per test and environment in the first run: what a pass on the rerun turns into passes. */
    private static final Map<String, Integer> FAILED_INVOCATIONS = new TreeMap<>();

    private static final Pattern CASE = Pattern.compile(
            "<testcase\\s+([^>]*?)(/>|>(.*?)</testcase>)", Pattern.DOTALL);
    private static final Pattern ATTR = Pattern.compile("(\\w+)=\"([^\"]*)\"");

    public static void main(String[] args) throws IOException {
        Map<String, Map<String, Result>> table = new TreeMap<>();
        List<String> envs = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (String arg : args) {
            String env = arg.substring(0, arg.indexOf('='));
            Path dir = Path.of(arg.substring(arg.indexOf('=') + 1));
            envs.add(env);
            int n = 0;
            if (Files.isDirectory(dir)) {
                List<Path> files;
                try (Stream<Path> s = Files.walk(dir)) {
                    files = s.filter(p -> p.getFileName().toString().matches("TEST-.*\\.xml")).toList();
                }
                for (Path f : files) {
                    boolean rerun = dir.relativize(f).toString().startsWith("rerun" + java.io.File.separator);
                    if (rerun) read(Files.readString(f), env, RERUN, false);
                    else n += read(Files.readString(f), env, table, true);
                }
            }
            if (n == 0) problems.add(env + ": no test results (the suite did not run)");
        }

        int width = table.keySet().stream().mapToInt(String::length).max().orElse(10);
        width = Math.min(width, 90);
        StringBuilder out = new StringBuilder(String.format("%-" + width + "s", "test"));
        for (String e : envs) out.append(String.format(" %-6s", e));
        System.out.println(out);
        Map<String, Integer> realKvm = new LinkedHashMap<>();
        List<String> flaky = new ArrayList<>();
        for (var row : table.entrySet()) {
            for (var cell : row.getValue().entrySet()) {
                Result again = RERUN.getOrDefault(row.getKey(), Map.of()).get(cell.getKey());
                boolean passedOnRerun = cell.getValue().status().equals("FAIL") && again != null && again.status().equals("pass");
                if (passedOnRerun) {
                    int n = FAILED_INVOCATIONS.getOrDefault(cell.getKey() + " " + row.getKey(), 1);
                    COUNTS.merge("FAIL", -n, Integer::sum);
                    COUNTS.merge("pass", n, Integer::sum);
                    cell.setValue(new Result("flaky", cell.getValue().reason()));
                }
                // flaky here: passed on the suite's rerun, or on Surefire's own (flakyFailure)
                if (cell.getValue().status().equals("flaky")) flaky.add(cell.getKey() + ": " + row.getKey() + " failed, then passed when run again; its first failure: " + cell.getValue().reason());
            }
        }
        for (var row : table.entrySet()) {
            StringBuilder line = new StringBuilder(String.format("%-" + width + "s", abbreviate(row.getKey(), width)));
            boolean ranSomewhere = false;
            String skipReason = null;
            for (String e : envs) {
                Result r = row.getValue().get(e);
                String s = r == null ? "-" : r.status();
                line.append(String.format(" %-6s", s));
                if (r == null) continue;
                switch (r.status()) {
                    case "pass", "flaky" -> ranSomewhere = true;
                    case "FAIL" -> { ranSomewhere = true; problems.add(e + ": " + row.getKey() + " failed: " + r.reason()); }
                    default -> skipReason = r.reason();
                }
                if (!r.status().equals("skip") && row.getKey().contains("KvmTest")) realKvm.merge(e, 1, Integer::sum);
            }
            System.out.println(line);
            boolean x86Only = row.getValue().values().stream().anyMatch(r -> r.reason().contains("guest code for amd64"));
            if (!ranSomewhere && !x86Only) {
                problems.add(row.getKey() + " ran nowhere: " + skipReason);
            }
        }
        System.out.println();
        System.out.println("tests on real KVM (*KvmTest, not skipped): " + (realKvm.isEmpty() ? "none" : realKvm));
        for (String f : flaky) System.out.println("FLAKY " + f);
        for (String p : problems) System.out.println("PROBLEM " + p);
        System.out.println();
        System.out.println("kvm4j: " + COUNTS.getOrDefault("pass", 0) + " passed, " + COUNTS.getOrDefault("FAIL", 0) + " failed, "
                + COUNTS.getOrDefault("skip", 0) + " skipped" + (flaky.isEmpty() ? "" : " (" + flaky.size() + " flaky: passed when run again, see FLAKY above)"));
        System.exit(problems.isEmpty() ? 0 : 1);
    }

    private static int read(String xml, String env, Map<String, Map<String, Result>> table, boolean count) {
        Matcher m = CASE.matcher(xml);
        int n = 0;
        while (m.find()) {
            Map<String, String> attrs = new LinkedHashMap<>();
            Matcher a = ATTR.matcher(m.group(1));
            while (a.find()) attrs.put(a.group(1), a.group(2));
            String cls = attrs.getOrDefault("classname", "?");
            // Surefire writes "m" or "m(int)", the console launcher "m()" or "m(int)[1]": one row per method.
            String method = attrs.getOrDefault("name", "?").replaceAll("\\(.*$", "");
            String name = cls.substring(cls.lastIndexOf('.') + 1) + "." + method;
            String body = m.group(3) == null ? "" : m.group(3);
            Result r;
            if (body.contains("<failure") || body.contains("<error")) r = new Result("FAIL", message(body));
            else if (body.contains("<skipped")) r = new Result("skip", message(body));
            else if (body.contains("<flakyFailure") || body.contains("<flakyError")) r = new Result("flaky", message(body)); // Surefire's rerun
            else r = new Result("pass", "");
            table.computeIfAbsent(name, k -> new TreeMap<>()).merge(env, r, TestReport::worse);
            if (!count) continue;
            if (r.status().equals("FAIL")) FAILED_INVOCATIONS.merge(env + " " + name, 1, Integer::sum);
            COUNTS.merge(r.status().equals("flaky") ? "pass" : r.status(), 1, Integer::sum);
            n++;
        }
        return n;
    }

    private static final Map<String, Integer> COUNTS = new TreeMap<>();

    /** Invocations of one method in one environment: a failure wins, then a flaky pass, then a pass, then a skip. */
    private static Result worse(Result a, Result b) {
        for (String s : List.of("FAIL", "flaky", "pass")) {
            if (a.status().equals(s)) return a;
            if (b.status().equals(s)) return b;
        }
        return a;
    }

    private static String message(String body) {
        Matcher m = Pattern.compile("message=\"([^\"]*)\"|<skipped><!\\[CDATA\\[(.*?)\\]\\]>", Pattern.DOTALL).matcher(body);
        return m.find() ? (m.group(1) != null ? m.group(1) : m.group(2)).replace("&#13;", "").replace("&#10;", "\n").replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") : "";
    }

    private static String abbreviate(String s, int width) {
        return s.length() <= width ? s : s.substring(0, width - 1) + "…";
    }
}
