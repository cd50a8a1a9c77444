#!/bin/sh
# In the rig (run by bench/suite-aot): does a JDK AOT cache shorten the ARM test suite? The suite's own
# launcher (arm-suite.sh) on a subset of its classes (KVM4J_SUITE_SELECT, JUnit selectors), timed without
# a cache, then trained once (-XX:AOTCacheOutput, not timed), then alternately with and without, N pairs.
cd /payload || exit 125
N=${KVM4J_SUITE_PAIRS:-2}
SELECT=${KVM4J_SUITE_SELECT:---select-package dev.kvm4j.kvm}
now() { cut -d' ' -f1 /proc/uptime; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
# arm-suite.sh, with the selectors instead of the class-path scan and reports kept out of /out
sed -e "s|--scan-class-path \"\$TESTS\"|$SELECT|" -e 's|--reports-dir /out/reports|--reports-dir /tmp/reports|' arm-suite.sh > /tmp/suite.sh
suite() { t0=$(now); KVM4J_AOT_OPTS="$1" sh /tmp/suite.sh > /tmp/suite.log 2>&1; rc=$?; s=$(since "$t0"); echo "$s s (exit $rc, $(grep -m1 -E 'tests successful' /tmp/suite.log | tr -s ' '))"; }
echo "warm-up, no cache: $(suite '')"
t0=$(now); suite "-XX:AOTCacheOutput=/tmp/suite.aot -Xlog:aot*=off -Xlog:cds*=off" >/dev/null
echo "training: $(since "$t0") s, cache $(du -m /tmp/suite.aot 2>/dev/null | cut -f1) MB"
i=0
while [ $i -lt "$N" ]; do
    i=$((i + 1))
    echo "pair $i: without $(suite '') ; with $(suite '-XX:AOTCache=/tmp/suite.aot -Xlog:aot*=off -Xlog:cds*=off -Xlog:aot*=warning:file=/tmp/aot.log:none')"
done
[ ! -s /tmp/aot.log ] || echo "the JVM refused the cache: $(head -1 /tmp/aot.log)"
