#!/bin/sh
# In the rig (run by bench/jlink-start): JVM start with Debian's full JRE (java on PATH) against the jlinked
# java.base runtime in ./jre, without and then with a CDS archive dumped here (jlink cannot dump one for
# another architecture). Per run: `java -version`, and kvm4j (the default guest, --timings) from process
# start to its first guest instruction and to the userspace marker. Runs alternate; N pairs each.
cd "$(dirname "$0")" || exit 125
N=${KVM4J_JLINK_PAIRS:-3}
OPTS=${KVM4J_JAVA_OPTS:--XX:TieredStopAtLevel=1 -XX:+UseSerialGC}
export KVM4J_DEFAULT_GUEST=$PWD/guest
now() { cut -d' ' -f1 /proc/uptime; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
version() { t0=$(now); "$1" $OPTS -version >/dev/null 2>&1; since "$t0"; }
# kvm4j's first instruction on the process clock: the first console line's arrival, less the time kvm4j's
# own timeline puts between its first instruction and that first console byte.
boot() {
    t0=$(now); first= marker=
    "$1" $OPTS --enable-native-access=ALL-UNNAMED -cp 'lib/*' dev.kvm4j.vmm.cli.Main run --timings > /tmp/boot.fifo 2>/dev/null &
    while IFS= read -r l; do
        [ -n "$first" ] || first=$(since "$t0")
        case $l in *KVM4J-USERSPACE-READY*) marker=$(since "$t0") ;; esac
        echo "$l"
    done < /tmp/boot.fifo > /tmp/boot.log
    wait
    fi=$(awk '/ first instruction$/ { print $1 }' /tmp/boot.log); fb=$(awk '/ first console byte$/ { print $1 }' /tmp/boot.log)
    awk -v f="$first" -v fi="$fi" -v fb="$fb" -v m="$marker" 'BEGIN { printf "%.2f %.2f", f - (fb - fi) / 1000, m }'
}
mkfifo /tmp/boot.fifo
echo "jlinked runtime: $(du -sh jre | cut -f1), modules $(sed -n 's/^MODULES=//p' jre/release); Debian's JRE: $(du -sh "$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")" | cut -f1)"
round() {  # round LABEL: N alternating pairs, Debian's JRE then jlinked
    i=0
    while [ $i -lt "$N" ]; do
        i=$((i + 1))
        echo "pair $i ($1): java -version: JRE $(version java) s, jlink $(version jre/bin/java) s; kvm4j first instruction / marker: JRE $(boot java) s, jlink $(boot jre/bin/java) s"
    done
}
boot java >/dev/null # warm-up: page cache, guest files
round "jlink without CDS"
t0=$(now); jre/bin/java -Xshare:dump >/dev/null 2>&1; echo "CDS archive dumped into the jlinked runtime in $(since "$t0") s ($(du -sh jre/lib/server/classes.jsa | cut -f1))"
round "jlink with CDS"
