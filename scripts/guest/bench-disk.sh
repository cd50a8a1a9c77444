#!/bin/sh
# Inside the emulated arm64 host (or on a native one): virtio-blk read speed from inside the Debian root guest,
# kvm4j against QEMU (see dev.kvm4j.bench.DiskRace). Each turn boots the guest: few pairs.
cd "$(dirname "$0")" || exit 125
[ -f guest/debian/debian.img ] || { echo "disk benchmark skipped: no guest/debian (guests/rootfs-build failed)"; exit 0; }
echo "disk benchmark on $(uname -m), $(grep -c ^processor /proc/cpuinfo) CPUs, kernel $(uname -r)"
java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp 'lib/*' dev.kvm4j.bench.DiskRace guest/debian "${KVM4J_BENCH_DISK_PAIRS:-3}" /tmp/disk-race
