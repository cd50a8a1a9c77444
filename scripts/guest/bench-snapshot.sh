#!/bin/sh
# Inside the emulated arm64 host (or on a native one): snapshot save and restore, kvm4j against QEMU's
# migration to a file (see dev.kvm4j.bench.SnapshotRace). Slow (each round boots two guests): few pairs.
cd "$(dirname "$0")" || exit 125
echo "snapshot benchmark on $(uname -m), $(grep -c ^processor /proc/cpuinfo) CPUs, kernel $(uname -r)"
java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC --module-path modules -m dev.kvm4j.bench/dev.kvm4j.bench.SnapshotRace guest "${KVM4J_BENCH_SNAPSHOT_PAIRS:-3}" /tmp/snapshot-race
