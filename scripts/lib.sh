# Shared by ./kvm4j, ./test and ./bench: find JDK 25, install what the build needs, build once.
# shellcheck shell=bash

KVM4J_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export KVM4J_ROOT

# Bold/red only on a terminal: a log file or CI gets plain lines.
if [ -t 2 ]; then KVM4J_B=$'\033[1m' KVM4J_R=$'\033[1;31m' KVM4J_N=$'\033[0m'; else KVM4J_B= KVM4J_R= KVM4J_N=; fi
say() { printf '%s[kvm4j]%s %s\n' "$KVM4J_B" "$KVM4J_N" "$*" >&2; }
die() { printf '%s[kvm4j] error:%s %s\n' "$KVM4J_R" "$KVM4J_N" "$*" >&2; exit 2; }

# Seconds since the first script of this run started (KVM4J_T0 is inherited by rig/exec for its own stages).
export KVM4J_T0=${KVM4J_T0:-$(date +%s.%N)}
elapsed() { awk -v a="$KVM4J_T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
stage() { say "$(printf '%6s s' "$(elapsed)")  $*"; }   # a line per stage, so a long wait never looks stuck

java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.specification.version/{print $2}'; }

# JAVA_HOME if it is 25 or newer, else a JDK 25+ under /usr/lib/jvm (Temurin's sits beside the default 17).
find_jdk() {
    if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] && [ "$(java_major "$JAVA_HOME")" -ge 25 ] 2>/dev/null; then
        return 0
    fi
    local d
    for d in /usr/lib/jvm/temurin-25-jdk-* /usr/lib/jvm/*-25-* /usr/lib/jvm/*; do
        if [ -x "$d/bin/javac" ] && [ "$(java_major "$d")" -ge 25 ] 2>/dev/null; then
            export JAVA_HOME="$d"
            return 0
        fi
    done
    die "kvm4j needs a JDK 25 (java.lang.foreign) and found none: JAVA_HOME=${JAVA_HOME:-unset}, nothing in /usr/lib/jvm. Install Temurin 25 or set JAVA_HOME to a JDK 25."
}

# Debian packages the build and tests use on the host; installed only when missing.
HOST_PACKAGES=(gcc gcc-aarch64-linux-gnu linux-libc-dev-arm64-cross device-tree-compiler qemu-system-arm mmdebstrap cpio xz-utils zstd gdb-multiarch)

ensure_host_packages() {
    local missing=() p
    for p in "${HOST_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    [ "$(id -u)" -eq 0 ] || die "missing Debian packages: ${missing[*]} (run: sudo apt-get install ${missing[*]})"
    say "installing ${missing[*]}"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
        || die "apt-get could not install ${missing[*]}"
}

mvnw() {
    MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow" "$KVM4J_ROOT/mvnw" -B -ntp -f "$KVM4J_ROOT/pom.xml" "$@"
}

# True on an arm64 host with /dev/kvm: kvm4j then runs natively instead of in the emulated host. Any other
# host never touches its /dev/kvm here (an x86 KVM has nothing to say about ARM): present or absent, usable or
# not, it goes to the rig. An arm64 /dev/kvm this user cannot open read-write ends the run with one line.
# KVM4J_HOST_ARCH and KVM4J_KVM_DEVICE replace uname -m and /dev/kvm, for scripts/test-main-job.sh.
native_arm_kvm() {
    local arch=${KVM4J_HOST_ARCH:-$(uname -m)} dev=${KVM4J_KVM_DEVICE:-/dev/kvm}
    [ "$arch" = aarch64 ] && [ -e "$dev" ] || return 1
    # open(O_RDWR) as KVM needs it: file modes alone would let root pass where the open still fails
    { : <>"$dev"; } 2>/dev/null && return 0
    local group; group=$(stat -c %G "$dev" 2>/dev/null || echo kvm)
    [ "$(id -u)" = 0 ] && die "$dev is here but cannot be opened for reading and writing, even by root: is it a KVM device, and is it passed into this container? Fix that and rerun"
    die "$dev is here but user $(id -un) cannot open it for reading and writing: add the user to group $group (sudo usermod -aG $group $(id -un)), log in again, and rerun"
}

# The directory rig/exec carries into the emulated host: every jar (lib/, for the tests' class path), the
# real modules again (modules/, for java --module-path), and the scripts that run there.
build_payload() {
    local dir=$1
    rm -rf "$dir" && mkdir -p "$dir/lib" "$dir/modules"
    cp "$KVM4J_ROOT"/dist/target/lib/*.jar "$dir/lib/" || die "no jars in dist/target/lib: the Maven build did not finish"
    cp "$KVM4J_ROOT"/dist/target/modules/*.jar "$dir/modules/" || die "no jars in dist/target/modules: the Maven build did not finish"
    cp "$KVM4J_ROOT"/scripts/guest/* "$dir/"
    # The default guest's kernels and initramfs, for the boot tests and the main job.
    local guests
    guests=$("$KVM4J_ROOT/guests/build") || die "guests/build failed"
    mkdir -p "$dir/guest" && cp "$guests"/* "$dir/guest/"
    [ "${2:-}" = --test-guests ] || return 0
    # The virtio tests' extra guests: Debian's virtio modules for the default initramfs, and a Debian root
    # disk. Both are built from Debian packages and cached; if one cannot be built, its tests skip, saying so.
    local m d
    if m=$("$KVM4J_ROOT/guests/virtio-modules"); then cp "$m/virtio-modules.cpio.gz" "$dir/guest/"
    else say "WARNING: guests/virtio-modules failed: the virtio real-KVM tests will be skipped"; fi
    if d=$("$KVM4J_ROOT/guests/rootfs-build"); then mkdir -p "$dir/guest/debian" && cp "$d"/{debian.img,initrd-debian.cpio.gz,Image} "$dir/guest/debian/"
    else say "WARNING: guests/rootfs-build failed: the Debian root disk test will be skipped"; fi
}

# kvm4j's CLI as a module, with native access for dev.kvm4j.kvm only. A restricted call from any other module
# would print the JDK's warning; the tests run with --illegal-native-access=deny to prove there is none.
# (deny is not used here: it turns off the JDK's archived module graph, ~40 ms more per start on the host.)
KVM4J_MODULES="--enable-native-access=dev.kvm4j.kvm"
KVM4J_CLI=dev.kvm4j.vmm/dev.kvm4j.vmm.cli.Main

# JVM options inside the emulated host, where everything is slow: C1 only compiles faster than it pays back.
export KVM4J_JAVA_OPTS="${KVM4J_JAVA_OPTS:--XX:TieredStopAtLevel=1 -XX:+UseSerialGC}"
