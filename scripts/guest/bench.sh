#!/bin/sh
# Inside the emulated arm64 host (or on a native one): every ARM benchmark against its reference, then the
# boot race against QEMU, then snapshot save/restore against QEMU's migration to a file, then virtio-blk
# reads from inside the Debian root guest against QEMU's virtio-blk. kvm4j and the
# reference alternate turn by turn (see bench/run for the line format).
cd "$(dirname "$0")" || exit 125
OUT=${KVM4J_BENCH_OUT:-/out}
PAIRS=${KVM4J_BENCH_RIG_PAIRS:-7}
echo "benchmarks on $(uname -m), $(grep -c ^processor /proc/cpuinfo) CPUs, kernel $(uname -r)"
# Everything as modules (see bench/run): native access for kvm, and for bench's bare-FFM reference.
java -XX:+UseSerialGC --module-path modules -cp lib/kvm4j-kvm-tests.jar --add-reads dev.kvm4j.bench=ALL-UNNAMED \
    --enable-native-access=dev.kvm4j.kvm,dev.kvm4j.bench -m dev.kvm4j.bench/dev.kvm4j.bench.Bench ./kvmbench "pairs=$PAIRS" \
    "exits=${KVM4J_BENCH_EXITS:-10000}" "syncs=${KVM4J_BENCH_SYNCS:-100}" "cycles=${KVM4J_BENCH_CYCLES:-40}" || exit $?
# The boot race's AOT line: the JDK AOT cache ./kvm4j uses (bench/run brings it from the host's cache into
# /share), or else one trained here on one boot of the same guest.
if [ -s /share/kvm4j.aot ]; then
    echo "JDK AOT cache: ./kvm4j's, from the host's cache"
    export KVM4J_AOT_CACHE=/share/kvm4j.aot
else
echo "training a JDK AOT cache on one boot (not timed)"
java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:AOTCacheOutput=/tmp/kvm4j.aot -Xlog:aot=off -Xlog:cds=off \
    --module-path modules --enable-native-access=dev.kvm4j.kvm -m dev.kvm4j.vmm/dev.kvm4j.vmm.cli.Main run --kernel guest/Image \
    --initrd guest/initramfs-arm64.cpio.gz --memory 256M --append "console=ttyAMA0 quiet panic=-1" > /tmp/aot-train.log 2>&1 \
    && [ -s /tmp/kvm4j.aot ] && export KVM4J_AOT_CACHE=/tmp/kvm4j.aot || echo "AOT training failed: $(tail -3 /tmp/aot-train.log)"
fi
java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC --module-path modules -m dev.kvm4j.bench/dev.kvm4j.bench.BootRace guest "$PAIRS" "$OUT" || exit $?
sh ./bench-snapshot.sh
sh ./bench-disk.sh
