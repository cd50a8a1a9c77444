#!/usr/bin/env bash
# ./kvm4j run --control SOCKET on a host without ARM KVM, for real: the socket is on THIS host (rig/exec
# --forward, a PortRelay in the emulated host), and status, pause, snapshot by a bare file name, resume and
# quit go through it; the snapshot comes back into the caller's directory and snapshot-info reads it.
# Boots the rig once (about a minute); to share the rig, hold its lock around the whole script (flock FILE scripts/...).
#   scripts/test-control-rig.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$KVM4J_ROOT"
find_jdk
W=$(mktemp -d "${TMPDIR:-/tmp}/kvm4j-control.XXXXXX")
pid=
cleanup() { [ -z "$pid" ] || kill "$pid" 2>/dev/null || true; rm -rf "$W"; }
trap cleanup EXIT
fails=0 n=0
check() {  # check WHAT REGEX ACTUAL
    n=$((n + 1))
    if [[ $3 =~ $2 ]]; then say "ok   $1: $3"; else say "FAIL $1: expected '$2', got '$3'"; fails=$((fails + 1)); fi
}
ask() { "$JAVA_HOME/bin/java" -cp "$KVM4J_ROOT/dist/target/lib/*" dev.kvm4j.bench.ControlSend "$W/vm.sock" "$@" || true; }

(cd "$W" && exec "$KVM4J_ROOT/kvm4j" run --memory 256M --control vm.sock </dev/null >"$W/console.log" 2>&1) &
pid=$!
check "status through the host socket (kvm4j may not have started the machine yet)" "^ok (built|running)$" "$(ask status)"
check "pause" "^ok paused$" "$(ask pause)"
check "status while paused" "^ok paused$" "$(ask status)"
check "snapshot by a bare file name (written in the rig's /payload)" "^ok /payload/t\.snap [0-9]+ bytes" "$(ask snapshot t.snap)"
check "resume" "^ok running$" "$(ask resume)"
check "quit" "^ok stopping$" "$(ask quit)"
rc=0; wait "$pid" || rc=$?; pid=
check "./kvm4j run's status" "^0$" "$rc"
check "the host socket is gone" "^gone$" "$([ -e "$W/vm.sock" ] && echo left || echo gone)"
info=$(cd "$W" && "$KVM4J_ROOT/kvm4j" snapshot-info t.snap 2>&1 || true)
check "the snapshot came back into the caller's directory" "^kvm4j snapshot format: " "$info"
[ $fails = 0 ] || { say "console of ./kvm4j run:"; tail -30 "$W/console.log" >&2; }
say "$((n - fails)) of $n checks of --control through the rig passed (scripts/test-control-rig.sh)"
[ $fails = 0 ]
