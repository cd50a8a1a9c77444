#!/bin/sh
# Inside the emulated arm64 host (or on a native one): every benchmark against its reference.
cd "$(dirname "$0")" || exit 125
echo "benchmarks on $(uname -m), $(grep -c ^processor /proc/cpuinfo) CPUs, kernel $(uname -r)"
java -XX:+UseSerialGC --enable-native-access=ALL-UNNAMED -cp 'lib/*' dev.kvm4j.bench.Bench ./kvmbench "${KVM4J_BENCH_EXITS:-100000}" "${KVM4J_BENCH_ROUNDS:-5}" || exit $?
java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp 'lib/*' dev.kvm4j.bench.BootRace guest "${KVM4J_BENCH_BOOTS:-3}"
