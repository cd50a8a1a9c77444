#!/bin/sh
# Inside the emulated arm64 host: every test that needs real KVM, through the JUnit console launcher.
# JUnit XML lands in /out/reports, which rig/exec brings back to the host.
# The tests run on the class path: their classes sit in the product's own packages (white-box tests), which
# the module system allows only by patching each test jar into its module, one --patch-module per module,
# something the console launcher cannot do from a scan. Surefire does it on the host (module path, native
# access for dev.kvm4j.kvm only, anything else refused). The examples' test starts each example as a real
# module from modules/ (kvm4j.modules), the way a user runs it.
cd /payload || exit 125
# the rig's init leaves loopback down; the gdb stub's real-KVM test talks to it over 127.0.0.1
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up 2>/dev/null || true
[ -d /payload/guest ] && export KVM4J_DEFAULT_GUEST=/payload/guest
CP=$(ls lib/*.jar | grep -v console-standalone | tr '\n' ':')
TESTS=$(ls lib/*-tests.jar | tr '\n' ':')
echo "ARM suite on $(uname -m), $(cat /proc/cpuinfo | grep -c ^processor) CPUs, kernel $(uname -r)"
# A JVM that crashes here (the suite's, or one a test starts) leaves its hs_err file in /out, which comes back
# to the host (target/arm-results/MODEL/): seen once, a SIGILL inside the JVM's own generated code on max.
export KVM4J_CRASH_DIR=/out
launch() {
    java $KVM4J_JAVA_OPTS $KVM4J_AOT_OPTS -XX:ErrorFile=/out/hs_err_pid%p.log --enable-native-access=ALL-UNNAMED -Dkvm4j.modules=/payload/modules -jar lib/junit-platform-console-standalone.jar execute \
        --disable-banner --details=tree --class-path "$CP" \
        --exclude-engine junit-vintage --exclude-engine junit-platform-suite --exclude-engine jqwik --include-tag real-kvm "$@"
}
launch --scan-class-path "$TESTS" --reports-dir /out/reports
status=$?
[ $status = 0 ] && exit 0

# Real KVM under an emulated CPU is not a quiet place: a test that failed is run once more, alone, in a new
# JVM (reports in /out/rerun). scripts/TestReport.java lists one that passes then as FLAKY, with its first
# failure, and counts it passed; one that fails again fails the run. Only a few failures are retried: many
# mean something is broken, and the suite's exit status stands. No XML (a crashed JVM) means no retry.
failed=$(awk '
    /<testcase / { c = $0; sub(/.*classname="/, "", c); sub(/".*/, "", c); n = $0; sub(/.*<testcase name="/, "", n); sub(/".*/, "", n) }
    /<failure|<error/ {
        sub(/\[[0-9]+\]$/, "", n); gsub(/ /, "", n); p = n; sub(/^[^(]*\(/, "", p); sub(/\)$/, "", p)
        # a method by name when its parameters are primitives, else its whole class (JUnit wants full type names)
        if (p ~ /^((int|long|boolean|byte|short|char|float|double),?)*$/) print "--select-method=" c "#" n; else print "--select-class=" c
    }' /out/reports/TEST-*.xml 2>/dev/null | sort -u)
count=$(printf '%s\n' "$failed" | grep -c select)
if [ "$count" -eq 0 ] || [ "$count" -gt 3 ]; then exit $status; fi
echo "ARM suite: $count test(s) failed; running each once more in a new JVM:"
printf '  %s\n' $failed
launch $failed --reports-dir /out/rerun
