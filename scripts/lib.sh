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
    # One fixed mtime: a JDK AOT cache checks each jar's size and mtime, and the jars' content is in its key.
    touch -d @946684800 "$dir"/lib/*.jar "$dir"/modules/*.jar
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

# ---- JDK AOT cache (JEP 483/514/515): the classes one real boot loads, linked, with method profiles ----
# Trained once on a boot of the default guest (-XX:AOTCacheOutput) and kept in the host's cache, keyed by
# everything a cache depends on: the JVM that runs it, the CPU model, the jars' content and the JVM options.
# Later JVMs start with it (-XX:AOTCache). The JVM checks it again itself (-XX:AOTMode=auto, the default): a
# cache it refuses is ignored, costs only the start-up it would have saved, and becomes one note line; the
# next run trains a new one. KVM4J_AOT=0 turns it all off. KVM4J_AOT_OPTS holds the JVM options for the
# launch line (empty when there is no cache).
export KVM4J_AOT_OPTS=    # exported: rig/exec passes KVM4J_* into the rig, where the launch line expands it
aot_used=
aot_enabled() { [ "${KVM4J_AOT:-1}" != 0 ]; }
aot_root() { printf '%s\n' "${KVM4J_CACHE:-$HOME/.cache/kvm4j}/aot"; }

# aot_key JVM-ID CPU-ID: 16 hex digits over the JVM, the CPU, the JVM options and every jar (name, size, hash).
aot_key() {
    { printf '%s\n' "$1" "$2" "${KVM4J_JAVA_OPTS:-}"
      (cd "$KVM4J_ROOT/dist/target" && stat -c '%n %s' -- lib/*.jar modules/*.jar && sha256sum -- lib/*.jar modules/*.jar); } | sha256sum | cut -c1-16
}

# The key of the rig's JVM: the rig's own key (its packages, Debian's openjdk among them) and the CPU model
# (a cache holds machine code for the CPU it was made on; a newer model's code can SIGILL on an older one).
aot_rig_key() {
    local rig; rig=$("$KVM4J_ROOT/rig/build" --print-dir) || return 1
    aot_key "rig $(basename "$rig") $(grep -m1 ' openjdk-25-jre-headless ' "$rig/versions.txt")" "model ${1:-max}"
}

# The key on a native arm64 host: this JDK's build and library, the CPU, and the jars' mtimes too (they are
# used in place, and the JVM refuses a jar whose mtime changed).
aot_native_key() {
    aot_key "native $(cat "$JAVA_HOME/release" 2>/dev/null) $(stat -c '%s %Y' "$JAVA_HOME/lib/server/libjvm.so" 2>/dev/null) $(cd "$KVM4J_ROOT/dist/target" && stat -c '%n %Y' -- lib/*.jar modules/*.jar)" \
        "$(grep -E '^(CPU implementer|CPU part|CPU variant|Features)' /proc/cpuinfo 2>/dev/null | sort -u)"
}

# The training boot: ./kvm4j run itself with the default guest (no shell: it powers off after the marker),
# so the cache records the very launch line it will serve. KVM4J_AOT_TRAIN names the file to write.
# Two runs that train at once each write their own file ($$) and rename it into place: the last one wins whole.
aot_train() {  # aot_train CACHE-FILE
    local f=$1 new=$1.$$.new log=${1%.aot}.train.log t0=$SECONDS
    mkdir -p "$(dirname "$f")"
    stage "training a JDK AOT cache for kvm4j's start-up on one boot of the default guest (once per JDK and build; log: $log)"
    if KVM4J_AOT_TRAIN="$new" KVM4J_INTERACTIVE=0 "$KVM4J_ROOT/kvm4j" run </dev/null >"$log.$$" 2>&1 && [ -s "$new" ]; then
        mv "$log.$$" "$log"
        mv "$new" "$f"
        stage "AOT cache ready in $((SECONDS - t0)) s: $f ($(du -m "$f" | cut -f1) MB)"
    else
        mv "$log.$$" "$log" 2>/dev/null
        rm -f "$new"
        say "note: the AOT cache could not be trained (see $log); kvm4j starts without it"
    fi
}

# The JVM's complaint about a cache, as one note line; the cache goes, so the next run trains a new one.
aot_refused() {  # aot_refused LOG CACHE-FILE
    [ -s "$1" ] || return 0
    say "note: the JVM did not use the AOT cache ($({ grep -m1 -iE 'mismatch|truncat|version|differ' "$1" || grep -m1 -iE 'match|fail' "$1" || head -1 "$1"; } | sed 's/ (hint:.*//')): this run started without it; the next one trains a new cache"
    rm -f "$2"
}

# For a run in the rig: sets KVM4J_AOT_OPTS and puts the cache into SHARE (rig/exec --share SHARE), training
# it first if this rig, model and build have none. A training run (KVM4J_AOT_TRAIN) writes into /share.
aot_rig() {  # aot_rig SHARE [MODEL]
    KVM4J_AOT_OPTS=
    aot_enabled || return 0
    if [ -n "${KVM4J_AOT_TRAIN:-}" ]; then
        KVM4J_AOT_OPTS="-XX:AOTCacheOutput=/share/kvm4j.aot -Xlog:aot*=off -Xlog:cds*=off"
        return 0
    fi
    local key f
    key=$(aot_rig_key "${2:-${KVM4J_MODEL:-max}}") || { say "note: no AOT cache (rig/build --print-dir failed)"; return 0; }
    f=$(aot_root)/rig-$key/kvm4j.aot
    [ -s "$f" ] || aot_train "$f"
    [ -s "$f" ] || return 0
    ln -f "$f" "$1/kvm4j.aot" 2>/dev/null || cp "$f" "$1/kvm4j.aot"
    KVM4J_AOT_OPTS="-XX:AOTCache=/share/kvm4j.aot -Xlog:aot*=off -Xlog:cds*=off -Xlog:aot*=warning,cds*=warning:file=/out/kvm4j-aot.log:none"
    aot_used=$f
}

# After rig/exec: a training run's cache is taken out of SHARE; a refused one gives its note. The JVM's log
# comes back through /out (OUT): the share returns only files newer than its stamp, to the second, and the
# JVM writes its log in the second the command starts.
aot_rig_done() {  # aot_rig_done SHARE OUT
    aot_enabled || return 0
    if [ -n "${KVM4J_AOT_TRAIN:-}" ]; then
        [ -s "$1/kvm4j.aot" ] && mv "$1/kvm4j.aot" "$KVM4J_AOT_TRAIN"
    elif [ -n "$aot_used" ]; then
        aot_refused "$2/kvm4j-aot.log" "$aot_used"
    fi
    return 0
}

# For a native run on an arm64 host: the same, in place (the JVM is exec'ed, so a refusal is told at the
# next run, from the log the JVM left).
aot_native() {
    KVM4J_AOT_OPTS=
    aot_enabled || return 0
    if [ -n "${KVM4J_AOT_TRAIN:-}" ]; then
        KVM4J_AOT_OPTS="-XX:AOTCacheOutput=$KVM4J_AOT_TRAIN -Xlog:aot*=off -Xlog:cds*=off"
        return 0
    fi
    local d f; d=$(aot_root)/native-$(aot_native_key); f=$d/kvm4j.aot
    aot_refused "$d/last-run.log" "$f"
    [ -s "$f" ] || aot_train "$f"
    [ -s "$f" ] || return 0
    KVM4J_AOT_OPTS="-XX:AOTCache=$f -Xlog:aot*=off -Xlog:cds*=off -Xlog:aot*=warning,cds*=warning:file=$d/last-run.log:none"
}

# ---- A jlinked arm64 runtime: only the modules kvm4j needs (jdeps: java.base) ----
# The rig's JRE is Debian's openjdk-25-jre-headless, which has no jlink and no jmods. Debian's arm64
# openjdk-25-jdk-headless has the jmods; this host's JDK 25 jlink links them for arm64 (jlink checks only
# that feature and interim versions agree: 25.0), with aarch64 objcopy stripping the native debug symbols.
# Kept in the host's cache, keyed by the package version. Prints the runtime's directory.
jlink_runtime() {
    local rig ver apt d img deb
    rig=$("$KVM4J_ROOT/rig/build" --print-dir) || return 1
    ver=$(awk '$2 == "openjdk-25-jre-headless" { print $3 }' "$rig/versions.txt")
    [ -n "$ver" ] || { say "jlink: no openjdk-25-jre-headless version in $rig/versions.txt"; return 1; }
    d=${KVM4J_CACHE:-$HOME/.cache/kvm4j}/jlink/$ver; img=$d/java-base
    if [ ! -x "$img/bin/java" ]; then
        mkdir -p "$d"
        apt=${KVM4J_CACHE:-$HOME/.cache/kvm4j}/rig/apt/arm64     # rig/build's private apt state (signed indexes)
        deb=$(ls "$d"/openjdk-25-jdk-headless_*_arm64.deb 2>/dev/null | head -1)
        if [ -z "$deb" ]; then
            (cd "$d" && apt-get download -q -o APT::Architecture=arm64 -o APT::Architectures::=arm64 \
                -o Dir::Etc::SourceList="$apt/etc/sources.list" -o Dir::Etc::SourceParts="$apt/etc/sources.list.d" \
                -o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts="$apt/etc/preferences.d" \
                -o Dir::State="$apt/state" -o Dir::State::Status="$apt/state/status" -o Dir::Cache="$apt/cache" \
                -o Debug::NoLocking=1 -o APT::Sandbox::User=root "openjdk-25-jdk-headless:arm64=$ver" >&2) || return 1
            deb=$(ls "$d"/openjdk-25-jdk-headless_*_arm64.deb | head -1)
        fi
        rm -rf "$d/x" "$img.tmp" && mkdir -p "$d/x" && dpkg-deb -x "$deb" "$d/x" || return 1
        "$JAVA_HOME/bin/jlink" --module-path "$d/x/usr/lib/jvm/java-25-openjdk-arm64/jmods" --add-modules java.base \
            --output "$img.tmp" --strip-java-debug-attributes --exclude-files='**.debuginfo' --no-header-files --no-man-pages \
            --strip-native-debug-symbols "exclude-debuginfo-files:objcopy=$(command -v aarch64-linux-gnu-objcopy)" >&2 || return 1
        rm -rf "$d/x" "$img" && mv "$img.tmp" "$img"
    fi
    printf '%s\n' "$img"
}
