#!/usr/bin/env bash
# Which way ./kvm4j run goes on which host, in a second, without Maven, QEMU or a JVM: ./kvm4j and
# scripts/lib.sh run for real in a scratch copy of the tree whose java, rig/exec and guests/build are
# stubs that log their arguments. The host is faked with KVM4J_HOST_ARCH and KVM4J_KVM_DEVICE (the device a
# path that opens read-write, one that is absent, one that no one can open read-write).
#   - x86_64: the outcome (output, status, the stubs' calls) is the same whether the host has a usable
#     /dev/kvm, an unusable one or none: the options are checked with run --check, then the rig runs.
#   - arm64 with a usable device: kvm4j runs natively, no check, no rig; an unusable device: one line, status 2.
#   - a failed --check ends the run with its status before the rig; --verbose reaches both java and rig/exec.
#   - restore FILE goes the same way as run (the snapshot checked on the host by snapshot-info, then carried
#     in by rig/exec --share); snapshot-info is answered on the host.
#   scripts/test-main-job.sh [-v]      -v: a line per check, not only the failed ones
set -euo pipefail
show_ok=; [ "${1:-}" != -v ] || show_ok=1
SRC=$(cd "$(dirname "$0")/.." && pwd)
W=$(mktemp -d "${TMPDIR:-/tmp}/kvm4j-main-job.XXXXXX")
trap 'rm -rf "$W"' EXIT

# The scratch tree: the real ./kvm4j and scripts/lib.sh, stubs for what they call.
R=$W/tree
mkdir -p "$R/scripts/guest" "$R/rig" "$R/guests" "$R/dist/target/lib" "$R/dist/target/modules" "$R/stub/bin" "$R/jdk/bin" "$R/guest"
cp "$SRC/kvm4j" "$R/kvm4j"
cp "$SRC/scripts/lib.sh" "$R/scripts/lib.sh"
: > "$R/scripts/guest/arm-suite.sh"
: > "$R/dist/target/lib/kvm4j-vmm.jar"
: > "$R/dist/target/modules/kvm4j-vmm.jar"
: > "$R/guest/Image"
cat > "$R/guests/build" <<EOF
#!/bin/sh
echo "$R/guest"
EOF
cat > "$R/rig/exec" <<'EOF'
#!/bin/sh
echo "rig/exec $*" >> "$STUB_LOG"
while [ $# -gt 0 ]; do [ "$1" != --share ] || echo "share holds: $(ls "$2")" >> "$STUB_LOG"; shift; done
echo "console of the guest"
exit 0
EOF
# java: answers find_jdk's version probe, logs every real call; --check fails when STUB_CHECK says so
cat > "$R/jdk/bin/java" <<'EOF'
#!/bin/sh
case " $* " in *" -XshowSettings:properties "*) echo "    java.specification.version = 25" >&2; exit 0 ;; esac
echo "java $*" >> "$STUB_LOG"
case " $* " in *" --check "*) [ -z "${STUB_CHECK:-}" ] && exit 0; echo "kvm4j: $STUB_CHECK" >&2; exit 2 ;; esac
case " $* " in *" snapshot-info "*) [ -z "${STUB_SNAP:-}" ] && exit 0; echo "kvm4j: $STUB_SNAP" >&2; exit 2 ;; esac
echo "kvm4j ran natively"
EOF
# the host packages count as installed
cat > "$R/stub/bin/dpkg-query" <<'EOF'
#!/bin/sh
printf 'install ok installed'
EOF
chmod +x "$R/guests/build" "$R/rig/exec" "$R/jdk/bin/java" "$R/stub/bin/dpkg-query" "$R/kvm4j"
touch -d '+1 hour' "$R/dist/target/lib"     # newer than any source: no Maven build

USABLE=/dev/null                    # opens read-write for everyone: a /dev/kvm-like character device
ABSENT=$W/no-such-device
UNUSABLE=$W/not-openable; mkdir "$UNUSABLE"   # exists, but open(O_RDWR) fails even for root (EISDIR)

fails=0 n=0
# kvm4j ARCH DEVICE ARGS... → runs ./kvm4j in the scratch tree; sets OUT (stdout+stderr, the tree's paths
# and the timestamps of stage lines made neutral), RC and CALLS (the stubs' log)
kvm4j() {
    local arch=$1 dev=$2; shift 2
    : > "$W/log"
    RC=0
    OUT=$(cd "$W" && env -u KVM4J_T0 PATH="$R/stub/bin:$PATH" JAVA_HOME="$R/jdk" STUB_LOG="$W/log" \
        KVM4J_HOST_ARCH="$arch" KVM4J_KVM_DEVICE="$dev" "$R/kvm4j" "$@" </dev/null 2>&1) || RC=$?
    OUT=$(sed -e "s:$R:TREE:g" -e 's/^\(\[kvm4j\]\) *[0-9.]* s /\1 T s /' <<<"$OUT")
    CALLS=$(sed -e "s:$R:TREE:g" -e 's:/tmp/[^ ]*:TMP:g' "$W/log")
}
check() {  # check DESCRIPTION CONDITION...
    local what=$1; shift
    n=$((n + 1))
    if "$@"; then [ -z "$show_ok" ] || echo "ok   $what"; else echo "FAIL $what"; fails=$((fails + 1)); fi
}
has() { grep -qF -- "$2" <<<"$1"; }
lacks() { ! grep -qF -- "$2" <<<"$1"; }
lines() { [ "$(grep -c '' <<<"$1")" = "$2" ]; }

# x86_64: three hosts, one outcome
kvm4j x86_64 "$USABLE" run;   out_usable=$OUT rc_usable=$RC calls_usable=$CALLS
kvm4j x86_64 "$ABSENT" run;   out_absent=$OUT rc_absent=$RC calls_absent=$CALLS
kvm4j x86_64 "$UNUSABLE" run; out_unusable=$OUT rc_unusable=$RC calls_unusable=$CALLS
check "x86_64 with a usable /dev/kvm: status 0, checked with run --check, then the rig" \
    eval '[ "$rc_usable" = 0 ] && has "$calls_usable" "java --module-path TREE/dist/target/modules --enable-native-access=dev.kvm4j.kvm -m dev.kvm4j.vmm/dev.kvm4j.vmm.cli.Main run --check" && has "$calls_usable" "rig/exec "'
check "x86_64: no --dump-dtb hack for the host-side check" lacks "$calls_usable" "--dump-dtb"
check "x86_64: the same output and status with a usable, an absent and an unusable /dev/kvm" \
    eval '[ "$out_usable" = "$out_absent" ] && [ "$out_usable" = "$out_unusable" ] && [ "$rc_usable$rc_absent$rc_unusable" = 000 ]'
check "x86_64: the same calls with a usable, an absent and an unusable /dev/kvm" \
    eval '[ "$calls_usable" = "$calls_absent" ] && [ "$calls_usable" = "$calls_unusable" ]'
check "x86_64: the guest's console reaches the user" has "$out_usable" "console of the guest"
check "x86_64: the rig runs quietly (no internal lines) without --verbose" has "$calls_usable" " --quiet "
check "x86_64: in the rig kvm4j runs as modules, native access for dev.kvm4j.kvm only" \
    has "$calls_usable" "--module-path modules --enable-native-access=dev.kvm4j.kvm -m dev.kvm4j.vmm/dev.kvm4j.vmm.cli.Main run"

# arm64
kvm4j aarch64 "$USABLE" run
check "arm64 with a usable /dev/kvm: native, no host-side check, no rig" \
    eval '[ "$RC" = 0 ] && has "$OUT" "kvm4j ran natively" && lacks "$CALLS" "--check" && lacks "$CALLS" "rig/exec"'
check "arm64: kvm4j runs as modules, native access for dev.kvm4j.kvm only" \
    has "$CALLS" "java --module-path TREE/dist/target/modules --enable-native-access=dev.kvm4j.kvm -m dev.kvm4j.vmm/dev.kvm4j.vmm.cli.Main run"
kvm4j aarch64 "$UNUSABLE" run
err=$(grep -v '^\[kvm4j\] T s ' <<<"$OUT")   # what is left after the stage lines
check "arm64 with a /dev/kvm that does not open: one plain line naming it, status 2, nothing run" \
    eval '[ "$RC" = 2 ] && lines "$err" 1 && has "$err" "$UNUSABLE is here but" && has "$err" "for reading and writing" && [ -z "$CALLS" ]'
check "the line has no colour codes when stderr is not a terminal" lacks "$err" $'\033'
kvm4j aarch64 "$ABSENT" run
check "arm64 without /dev/kvm: the rig" eval '[ "$RC" = 0 ] && has "$CALLS" "rig/exec "'

# the check's verdict, --verbose, help
STUB_CHECK="--cpus: 0 is not a number of vCPUs (1 to 8)" kvm4j x86_64 "$USABLE" run --cpus 0
check "a failed --check: its line and its status 2, no rig" \
    eval '[ "$RC" = 2 ] && has "$OUT" "kvm4j: --cpus: 0" && lacks "$CALLS" "rig/exec"'
kvm4j x86_64 "$USABLE" run --verbose
check "--verbose reaches java and rig/exec runs without --quiet" \
    eval 'has "$CALLS" "Main run --verbose --check" && has "$CALLS" "rig/exec " && lacks "$CALLS" " --quiet "'
kvm4j x86_64 "$USABLE" run --help
check "--help is answered on the host, no rig" eval '[ "$RC" = 0 ] && has "$CALLS" "Main run --help" && lacks "$CALLS" "rig/exec"'

check "run carries a share (the JDK AOT cache goes into the rig in it)" has "$calls_usable" "--share"

# restore and snapshot-info
echo snapshot > "$W/vm.snap"
kvm4j x86_64 "$USABLE" restore vm.snap
check "x86_64 restore: the file read on the host with snapshot-info, no --check" \
    eval '[ "$RC" = 0 ] && has "$CALLS" "Main snapshot-info vm.snap" && lacks "$CALLS" "--check"'
check "x86_64 restore: the rig, the snapshot carried in by --share and restored from /share" \
    eval 'has "$CALLS" "rig/exec " && has "$CALLS" " --share TMP" && has "$CALLS" "share holds: vm.snap" && has "$CALLS" "Main restore /share/vm.snap"'
check "x86_64 restore: the guest's console reaches the user" has "$OUT" "console of the guest"
kvm4j x86_64 "$USABLE" restore --control c.sock vm.snap
check "restore --control SOCKET FILE: the socket is not taken for the file; it is on this host, forwarded into the rig" \
    eval '[ "$RC" = 0 ] && has "$CALLS" "Main snapshot-info vm.snap" && has "$CALLS" "restore --control TMP /share/vm.snap" && has "$CALLS" "--forward control=unix:TMP" && has "$CALLS" "PortRelay"'
touch "$W/taken.sock"
kvm4j x86_64 "$USABLE" run --control taken.sock
check "run --control with an existing file: one line, status 2, no rig" \
    eval '[ "$RC" = 2 ] && has "$OUT" "taken.sock already exists" && lacks "$CALLS" "rig/exec"'
kvm4j x86_64 "$USABLE" run --gdb tcp::1234
check "run --gdb tcp::PORT: the port on this host, forwarded to the stub in the rig" \
    eval '[ "$RC" = 0 ] && has "$CALLS" "--forward gdb=tcp:127.0.0.1:1234" && has "$CALLS" "Main run --gdb tcp::1234"'
STUB_SNAP="vm.snap: not a kvm4j snapshot (no KVM4JSNP magic)" kvm4j x86_64 "$USABLE" restore vm.snap
check "restore of a bad file: snapshot-info's line and status 2, no rig" \
    eval '[ "$RC" = 2 ] && has "$OUT" "not a kvm4j snapshot" && lacks "$CALLS" "rig/exec"'
kvm4j aarch64 "$USABLE" restore vm.snap
check "arm64 restore with a usable /dev/kvm: native, no rig" \
    eval '[ "$RC" = 0 ] && has "$OUT" "kvm4j ran natively" && has "$CALLS" "Main restore vm.snap" && lacks "$CALLS" "rig/exec"'
kvm4j x86_64 "$USABLE" snapshot-info vm.snap
check "snapshot-info is answered on the host, no rig" \
    eval '[ "$RC" = 0 ] && has "$CALLS" "Main snapshot-info vm.snap" && lacks "$CALLS" "rig/exec"'

echo "[kvm4j] host: $((n - fails)) of $n checks passed of which way ./kvm4j run/restore goes on which host (scripts/test-main-job.sh${show_ok:+, -v})"
[ $fails = 0 ]
