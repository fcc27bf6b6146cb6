#!/usr/bin/env bash
# The real systemd end-to-end test (`make test-system`): the freshly built aegisd .deb, installed
# in a Debian root made with debootstrap, booted with systemd-nspawn, driven with systemctl,
# journalctl and aegisctl from inside the container (nsenter into its PID 1).
#
#   scripts/test-system.sh [--deb FILE] [--root-only]
#
#   --deb FILE    test this package instead of building one with `make deb`
#   --root-only   only create (or check) the cached Debian root, then exit
#
# Environment:
#   AEGIS_SYSTEM_CACHE  where the cached roots live (default /var/tmp/aegis-system-root)
#   AEGIS_SYSTEM_SEED   an existing debootstrap root (same suite, minbase + systemd, dbus) to copy
#                       instead of running debootstrap; only used when the cache is cold
#   AEGIS_SYSTEM_KEEP=1 keep the per-run root after a failure, for a post-mortem
#
# Every check prints PASS or FAIL with what it saw; any FAIL makes the exit status non-zero.
# When this machine cannot boot a container at all (a trivial `systemd-nspawn /bin/true` fails),
# the test prints "SKIPPED: <reason>" and exits 0. A failure of the product never skips.
set -Eeuo pipefail
# A step that fails outside a check stops the test; say which one.
trap 'echo "FAIL: scripts/test-system.sh line $LINENO: \`$BASH_COMMAND\` exited with $?" >&2' ERR

cd "$(dirname "$0")/.."
REPO=$(pwd)

say() { printf '==> %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
die() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

DEB=""
ROOT_ONLY=0
while [ $# -gt 0 ]; do
    case $1 in
        --deb) DEB=$(readlink -f "$2"); shift 2 ;;
        --root-only) ROOT_ONLY=1; shift ;;
        *) echo "usage: $0 [--deb FILE] [--root-only]" >&2; exit 2 ;;
    esac
done

# --- 1. host tools ------------------------------------------------------------------------
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
missing=""
# lintian: the package check; ip, psql and redis-cli: the client on another network of the
# remote-clients check.
for tool in debootstrap:debootstrap systemd-nspawn:systemd-container nsenter:util-linux python3:python3 \
    lintian:lintian ip:iproute2 psql:postgresql-client redis-cli:redis-tools; do
    command -v "${tool%%:*}" >/dev/null 2>&1 || missing="$missing ${tool#*:}"
done
if [ -n "$missing" ]; then
    say "installing host packages:$missing"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    # shellcheck disable=SC2086
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
else
    say "host tools: debootstrap, systemd-nspawn, nsenter, python3, lintian, ip, psql, redis-cli present"
fi

# --- 2. the package under test (built as the calling user, so build output stays theirs) ----
if [ "$ROOT_ONLY" = 0 ] && [ -z "$DEB" ]; then
    say "building the package (make deb: release build with a static Swift runtime)"
    make --no-print-directory deb
    version=$(sed -n 's/.*current = "\(.*\)"/\1/p' Sources/AegisCore/Control/AegisVersion.swift)
    DEB=$REPO/aegisd_${version}_$(dpkg --print-architecture).deb
    [ -f "$DEB" ] || die "make deb did not produce $DEB"
fi
[ "$ROOT_ONLY" = 1 ] || note "package: $DEB"

# Everything below needs root (debootstrap, nspawn, nsenter, cgroups).
if [ "$(id -u)" != 0 ]; then
    say "re-running as root with sudo for the container part"
    args=(--deb "$DEB")
    [ "$ROOT_ONLY" = 1 ] && args=(--root-only)
    exec sudo AEGIS_SYSTEM_CACHE="${AEGIS_SYSTEM_CACHE:-}" AEGIS_SYSTEM_SEED="${AEGIS_SYSTEM_SEED:-}" \
        AEGIS_SYSTEM_KEEP="${AEGIS_SYSTEM_KEEP:-}" "$0" "${args[@]}"
fi

# --- 3. where things go ---------------------------------------------------------------------
# The host's own Debian mirror and suite: the container gets the same archive apt here uses.
SUITE=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
MIRROR=""
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    MIRROR=$(awk -v suite="$SUITE" '
        /^URIs:/ { uri = $2 }
        /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite && uri != "" && found == "") found = uri }
        /^$/ { uri = "" }
        END { print found }' /etc/apt/sources.list.d/debian.sources)
fi
if [ -z "$MIRROR" ] && [ -f /etc/apt/sources.list ]; then
    MIRROR=$(awk -v suite="$SUITE" '$1 == "deb" && $3 == suite { print $2; exit }' /etc/apt/sources.list)
fi
[ -n "$MIRROR" ] || die "cannot find the Debian mirror for $SUITE in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list"

BASE_INCLUDE="systemd,systemd-sysv,dbus"
# The package's Depends and Recommends, so that installing it needs no download.
PACKAGES="postgresql-15 redis-server age procps"
# Bump when the way the root is prepared changes, so caches made the old way are rebuilt.
RECIPE=2
KEY=$(printf '%s\n' "$SUITE" "$MIRROR" "$BASE_INCLUDE" "$PACKAGES" "$RECIPE" | sha256sum | cut -c1-16)
CACHE=${AEGIS_SYSTEM_CACHE:-/var/tmp/aegis-system-root}
CACHED_ROOT=$CACHE/$KEY/root
RUN_ID=$(date +%Y%m%d%H%M%S)-$$
MACHINE=aegis-test-$RUN_ID
CGROUP=aegis-system-$RUN_ID
RUN_DIR=""
NSPAWN_PID=""
PID1=""

# Every nspawn of this run (package installs and the boot) starts from a cgroup of its own, so
# the `payload`/`supervisor` cgroups nspawn creates under its caller's cgroup are ours alone and
# can be removed afterwards, and two runs never share them.
CGROUP_HIERARCHIES=""
enter_run_cgroup() {
    local h
    for h in systemd unified; do
        [ -d /sys/fs/cgroup/$h ] || continue
        grep -q " /sys/fs/cgroup/$h " /proc/self/mounts || continue
        if mkdir -p "/sys/fs/cgroup/$h/$CGROUP" 2>/dev/null && echo $$ > "/sys/fs/cgroup/$h/$CGROUP/cgroup.procs" 2>/dev/null; then
            CGROUP_HIERARCHIES="$CGROUP_HIERARCHIES $h"
        fi
    done
    if [ -z "$CGROUP_HIERARCHIES" ] && [ -f /sys/fs/cgroup/cgroup.controllers ]; then
        # Pure cgroup v2 at /sys/fs/cgroup.
        if mkdir -p "/sys/fs/cgroup/$CGROUP" 2>/dev/null && echo $$ > "/sys/fs/cgroup/$CGROUP/cgroup.procs" 2>/dev/null; then
            CGROUP_HIERARCHIES=" ."
        fi
    fi
    note "cgroup for this run: $CGROUP (in:${CGROUP_HIERARCHIES:- none, nspawn uses the caller cgroup})"
}

# Removes this run's cgroups, killing whatever is still in them first, deepest first.
remove_run_cgroups() {
    local h base dir pid tries
    # Out of the run's cgroup first (this shell and, when called from a subshell, its parent),
    # so that emptying it kills only what the run started.
    for h in $CGROUP_HIERARCHIES; do
        echo $$ > "/sys/fs/cgroup/$h/cgroup.procs" 2>/dev/null || true
        echo "$BASHPID" > "/sys/fs/cgroup/$h/cgroup.procs" 2>/dev/null || true
    done
    for base in /sys/fs/cgroup/*/"$CGROUP" /sys/fs/cgroup/"$CGROUP"; do
        [ -d "$base" ] || continue
        for tries in 1 2 3 4 5 6 7 8 9 10; do
            for pid in $(find "$base" -name cgroup.procs -exec cat {} + 2>/dev/null); do
                [ "$pid" = $$ ] || [ "$pid" = "$BASHPID" ] && continue
                kill -KILL "$pid" 2>/dev/null || true
            done
            find "$base" -depth -type d -exec rmdir {} + 2>/dev/null || true
            [ -d "$base" ] || break
            sleep 0.5
        done
        if [ -d "$base" ]; then note "could not remove cgroup $base"; else note "removed cgroup $base"; fi
    done
}

# --- 4. the cached Debian root ------------------------------------------------------------
NSPAWN_RUNS=0
nspawn_run() {
    # A one-shot command in a root (no boot): nspawn gives it /proc, /dev, /sys and resolv.conf.
    # A machine name of its own, so its /run/systemd/nspawn/propagate/NAME is never shared.
    local root=$1; shift
    NSPAWN_RUNS=$((NSPAWN_RUNS + 1))
    systemd-nspawn --quiet --register=no --keep-unit --as-pid2 -D "$root" --machine="$MACHINE-$NSPAWN_RUNS" \
        --setenv=DEBIAN_FRONTEND=noninteractive --setenv=LANG=C.UTF-8 \
        --setenv=PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"
}

build_cached_root() {
    local work=$CACHE/$KEY/root.tmp
    say "creating the cached Debian root $CACHED_ROOT (suite $SUITE, mirror $MIRROR, key $KEY)"
    rm -rf "$work"
    mkdir -p "$CACHE/$KEY"
    local seed=${AEGIS_SYSTEM_SEED:-}
    if [ -n "$seed" ] && [ -x "$seed/lib/systemd/systemd" ] && [ -x "$seed/usr/bin/dbus-daemon" ] \
        && grep -q "^${SUITE}\$\|^$(. /etc/os-release && echo "$VERSION_ID")\." "$seed/etc/debian_version" 2>/dev/null; then
        say "copying the debootstrap seed $seed (AEGIS_SYSTEM_SEED)"
        cp -a "$seed" "$work"
    else
        [ -z "$seed" ] || note "ignoring AEGIS_SYSTEM_SEED=$seed: not a $SUITE root with systemd and dbus"
        say "debootstrap --variant=minbase --include=$BASE_INCLUDE $SUITE (a few minutes)"
        debootstrap --variant=minbase --include="$BASE_INCLUDE" "$SUITE" "$work" "$MIRROR" \
            > "$CACHE/$KEY/debootstrap.log" 2>&1 || { tail -20 "$CACHE/$KEY/debootstrap.log"; die "debootstrap failed (log: $CACHE/$KEY/debootstrap.log)"; }
    fi
    # The container uses the host's apt sources (same mirror, same snapshot, security updates).
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
        cp /etc/apt/sources.list.d/debian.sources "$work/etc/apt/sources.list.d/debian.sources"
        rm -f "$work/etc/apt/sources.list"
    else
        cp /etc/apt/sources.list "$work/etc/apt/sources.list"
    fi
    # The narrow skip: a bare root in which nspawn cannot even run /bin/true.
    if ! probe_nspawn "$work"; then rm -rf "$work"; exit 0; fi
    # No service may start while packages are installed into the root.
    printf '#!/bin/sh\nexit 101\n' > "$work/usr/sbin/policy-rc.d"
    chmod 0755 "$work/usr/sbin/policy-rc.d"
    say "installing $PACKAGES into the cached root (apt-get from $MIRROR)"
    # shellcheck disable=SC2086
    nspawn_run "$work" sh -c "apt-get update -qq && apt-get install -y -qq --no-install-recommends $PACKAGES && apt-get clean" \
        > "$CACHE/$KEY/apt.log" 2>&1 || { tail -20 "$CACHE/$KEY/apt.log"; die "apt-get install in the root failed (log: $CACHE/$KEY/apt.log)"; }
    rm -f "$work/usr/sbin/policy-rc.d"
    # Each boot of a copy gets a machine id of its own.
    : > "$work/etc/machine-id"
    rm -f "$work/var/lib/dbus/machine-id"
    mv "$work" "$CACHED_ROOT"
    printf '%s\n' "suite=$SUITE" "mirror=$MIRROR" "include=$BASE_INCLUDE" "packages=$PACKAGES" "recipe=$RECIPE" \
        > "$CACHE/$KEY/ready"
}

# Can this machine boot a container at all? Only a failure of nspawn itself skips the test.
probe_nspawn() {
    local root=$1 out
    if ! out=$(nspawn_run "$root" /bin/true 2>&1); then
        echo "SKIPPED: this machine cannot run systemd-nspawn: 'systemd-nspawn -D $root /bin/true' failed: $(echo "$out" | tail -3 | tr '\n' ' ')"
        return 1
    fi
}

# --- 5. failure-proof cleanup -------------------------------------------------------------
FAILS=0
PASSES=0
SUMMARY=()
pass() { PASSES=$((PASSES + 1)); SUMMARY+=("PASS: $1"); printf 'PASS: %s\n' "$1"; }
fail() { FAILS=$((FAILS + 1)); SUMMARY+=("FAIL: $1"); printf 'FAIL: %s\n' "$1"; }

cleanup() {
    local rc=$?
    set +e
    trap - EXIT INT TERM
    if [ -n "$NSPAWN_PID" ] && kill -0 "$NSPAWN_PID" 2>/dev/null; then
        say "cleanup: shutting the container down"
        if [ -n "$PID1" ] && kill -0 "$PID1" 2>/dev/null; then
            kill -s RTMIN+4 "$PID1" 2>/dev/null # systemd: poweroff
            for _ in $(seq 1 60); do kill -0 "$NSPAWN_PID" 2>/dev/null || break; sleep 0.5; done
        fi
        if kill -0 "$NSPAWN_PID" 2>/dev/null; then
            note "nspawn still running after 30 s: SIGTERM, then SIGKILL"
            kill -TERM "$NSPAWN_PID" 2>/dev/null
            for _ in $(seq 1 20); do kill -0 "$NSPAWN_PID" 2>/dev/null || break; sleep 0.5; done
            kill -KILL "$NSPAWN_PID" 2>/dev/null
        fi
        wait "$NSPAWN_PID" 2>/dev/null
    fi
    # The client namespace of the remote-clients check (its veth goes with it).
    [ -n "${REMOTE_NETNS:-}" ] && ip netns del "$REMOTE_NETNS" 2>/dev/null
    [ -n "$CGROUP" ] && remove_run_cgroups
    if [ -n "$RUN_DIR" ] && [ -d "$RUN_DIR" ]; then
        # nspawn mounts inside its own mount namespace; anything that still shows on the host
        # under the run root is a leak, unmounted here (deepest first).
        local m
        for m in $(awk -v d="$RUN_DIR/" 'index($2, d) == 1 { print $2 }' /proc/self/mounts | sort -r); do
            note "unmounting leftover $m"; umount -l "$m"
        done
        if [ "$rc" != 0 ] && [ "${AEGIS_SYSTEM_KEEP:-}" = 1 ]; then
            note "keeping $RUN_DIR for a post-mortem (AEGIS_SYSTEM_KEEP=1)"
        else
            rm -rf "$RUN_DIR"
            note "removed the per-run root $RUN_DIR"
        fi
    fi
    rm -rf "/run/systemd/nspawn/propagate/$MACHINE" "/run/systemd/nspawn/unix-export/$MACHINE" 2>/dev/null
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

enter_run_cgroup

# One run at a time makes or replaces the cache; the others wait here, then reuse it.
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
if ! flock -n 9; then say "another run is preparing $CACHE: waiting for it"; flock 9; fi
if [ -f "$CACHE/$KEY/ready" ] && [ -x "$CACHED_ROOT/lib/systemd/systemd" ]; then
    say "reusing the cached Debian root $CACHED_ROOT (key $KEY: $SUITE, $PACKAGES)"
else
    if [ -n "$(find "$CACHE" -mindepth 1 -maxdepth 1 -type d ! -name "$KEY")" ]; then
        say "no cached root for key $KEY: removing stale cache entries under $CACHE"
        find "$CACHE" -mindepth 1 -maxdepth 1 -type d ! -name "$KEY" -exec rm -rf {} +
    fi
    build_cached_root
fi
if [ "$ROOT_ONLY" = 1 ]; then
    say "cached root ready: $CACHED_ROOT"
    exit 0
fi

probe_nspawn "$CACHED_ROOT" || exit 0

# The throwaway copy is taken under the lock, so the cache is never replaced mid-copy.
RUN_DIR=$(mktemp -d /var/tmp/aegis-system-run.XXXXXX)
RUNROOT=$RUN_DIR/root
say "copying the cached root to the throwaway root $RUNROOT"
cp -a --reflink=auto "$CACHED_ROOT" "$RUNROOT"
exec 9>&-

# --- 5b. the package as Debian's own checker sees it -------------------------------------------
say "lintian $(basename "$DEB"): no errors; each remaining warning fixed or overridden with a reason"
# lintian's own notes (root, deprecated options) go to stderr; its findings to stdout.
if lint=$(lintian --fail-on error --tag-display-limit 0 "$DEB" 2>/dev/null); then
    pass "lintian: no errors${lint:+ (}$(echo "$lint" | paste -sd';' - | head -c 300)${lint:+)}"
else
    fail "lintian reports errors:"; echo "$lint" | sed 's/^/    | /'
fi

# --- 6. the per-run root -------------------------------------------------------------------
say "installing $(basename "$DEB") into the throwaway root (apt-get install ./aegisd.deb, inside nspawn without --boot)"
cp "$DEB" "$RUNROOT/root/aegisd.deb"
# apt-get rather than dpkg -i: a dependency the cached root lacks is fetched, not a failure.
if ! nspawn_run "$RUNROOT" apt-get install -y -q --no-install-recommends /root/aegisd.deb 2>&1 \
    | sed -e 's/(Reading database \.\.\. [0-9]*%//g' -e 's/^/    | /'; then
    die "installing aegisd.deb failed inside the root"
fi

# --- 7. boot ---------------------------------------------------------------------------------
BOOT_LOG=$RUN_DIR/boot.log
# The unit's IPAddressDeny=/IPAddressAllow= are a BPF program systemd attaches to the unit's
# cgroup; without it they are ignored silently, as on a host they are not. So the container's
# systemd gets what a Debian 12 host's has: the unified cgroup hierarchy (cgroup v2; this host
# may be hybrid) and the bpf() system call, which nspawn's default seccomp filter refuses.
say "booting the root: SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 systemd-nspawn --boot --register=no --keep-unit --private-network --system-call-filter=bpf -M $MACHINE (console: $BOOT_LOG)"
SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 systemd-nspawn --boot --register=no --keep-unit --private-network --system-call-filter=bpf --machine="$MACHINE" \
    -D "$RUNROOT" --console=pipe </dev/null >"$BOOT_LOG" 2>&1 &
NSPAWN_PID=$!

# The container's PID 1 is the nspawn child whose innermost PID is 1.
for _ in $(seq 1 100); do
    for child in $(cat /proc/"$NSPAWN_PID"/task/*/children 2>/dev/null); do
        if awk '/^NSpid:/ { exit !($NF == 1) }' "/proc/$child/status" 2>/dev/null; then PID1=$child; fi
    done
    [ -n "$PID1" ] && break
    kill -0 "$NSPAWN_PID" 2>/dev/null || break
    sleep 0.1
done
if [ -z "$PID1" ]; then
    tail -20 "$BOOT_LOG" | sed 's/^/    | /'
    die "systemd-nspawn --boot did not start a PID 1 (a trivial nspawn works here, so this is not skipped)"
fi
note "nspawn pid $NSPAWN_PID, container PID 1 = host pid $PID1"

NSENTER=(nsenter -t "$PID1" -a)
if ! "${NSENTER[@]}" /bin/true 2>/dev/null; then NSENTER=(nsenter -t "$PID1" -m -u -i -n -p); fi
# Runs a command inside the container with a clean environment.
inside() { "${NSENTER[@]}" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 TERM=dumb "$@"; }

say "waiting for the container's systemd (systemctl is-system-running --wait)"
state=""
for _ in $(seq 1 120); do
    state=$(inside timeout 120 systemctl is-system-running --wait 2>/dev/null) && break
    case $state in running|degraded) break ;; esac
    kill -0 "$NSPAWN_PID" 2>/dev/null || break
    sleep 1
done
case $state in
    running) pass "container booted: system is running" ;;
    degraded)
        pass "container booted: system is degraded (acceptable); failed units:"
        inside systemctl --no-pager --plain --no-legend list-units --state=failed | sed 's/^/    | /' ;;
    *) tail -30 "$BOOT_LOG" | sed 's/^/    | /'; die "container did not finish booting (state: '${state:-none}')" ;;
esac
note "loopback inside: $(inside cat /sys/class/net/lo/operstate /sys/class/net/lo/flags | tr '\n' ' ')(private network)"

# --- 8. the operator's steps, then the checks -------------------------------------------------
say "operator step: stop and disable the stock PostgreSQL cluster and redis-server the Debian packages started (they hold 5432 and 6379)"
inside systemctl disable --now --quiet postgresql.service redis-server.service \
    || note "could not disable postgresql/redis-server (see below if aegisd cannot bind its ports)"
say "operator step: edit /etc/aegis/aegisd.toml (installed by the package): Loki off (not in Debian), a backup recipient"
inside age-keygen -o /root/backup.agekey 2>/dev/null
recipient=$(inside age-keygen -y /root/backup.agekey)
# Plain sed on the packaged file: [loki] enabled = false, recipients = ["age1…"].
inside sed -i \
    -e '/^\[loki\]/,/^\[/ s/^enabled = true/enabled = false/' \
    -e "/^\[backup\]/,/^\[/ s/^recipients = \[\]/recipients = [\"$recipient\"]/" \
    /etc/aegis/aegisd.toml
note "loki: $(inside sed -n '/^\[loki\]/,/^\[/ s/^enabled = .*/&/p' /etc/aegis/aegisd.toml)"

if out=$(inside aegisd config check --config /etc/aegis/aegisd.toml 2>&1); then
    pass "aegisd config check /etc/aegis/aegisd.toml: $(echo "$out" | tail -1)"
else
    fail "aegisd config check /etc/aegis/aegisd.toml: $out"
fi
note "unit: $(inside systemctl show -p ExecStart --value aegisd | sed -n 's/.*argv\[\]=\([^;]*\);.*/\1/p')"
note "enabled by the package? $(inside systemctl is-enabled aegisd 2>&1 || true)"
if [ "$(inside systemctl is-enabled aegisd 2>&1 || true)" = disabled ]; then
    pass "the package enables nothing by surprise (aegisd is disabled after install)"
else
    fail "aegisd is '$(inside systemctl is-enabled aegisd 2>&1 || true)' right after install (expected disabled)"
fi

journal_tail() { inside journalctl --no-pager -u aegisd -n "${1:-40}" -o short-precise | sed 's/^/    | /'; }

say "systemctl start aegisd (Type=notify: returns after READY=1)"
t0=$(date +%s.%N)
if inside timeout 300 systemctl start aegisd; then
    t1=$(date +%s.%N)
    pass "systemctl start aegisd returned 0 after $(python3 -c "print('%.1f' % ($t1 - $t0))") s (first start: three initdb runs)"
else
    fail "systemctl start aegisd failed"
    inside systemctl --no-pager status aegisd | sed 's/^/    | /' || true
    journal_tail 60
fi
active=$(inside systemctl is-active aegisd || true)
if [ "$active" = active ]; then pass "systemctl is-active aegisd: $active"; else fail "systemctl is-active aegisd: $active"; journal_tail; fi
warnings=$(inside journalctl --no-pager -u aegisd -t aegisd -p warning -o cat | head -20 || true)
if [ -n "$warnings" ]; then note "aegisd's own warnings so far:"; echo "$warnings" | sed 's/^/    | /'; fi

# Status JSON, read on the host with python3 (the container has no jq).
STATUS=$RUN_DIR/status.json
status_json() { inside aegisctl status --json > "$STATUS" 2>"$RUN_DIR/status.err"; }
svc() { # svc NAME FIELD: one field of one service, as JSON text without quotes
    python3 -c 'import json,sys
for s in json.load(open(sys.argv[1]))["services"]:
    if s["name"] == sys.argv[2]: print(json.dumps(s.get(sys.argv[3])).strip("\""))' "$STATUS" "$1" "$2" 2>/dev/null || true
}
summary() {
    python3 -c 'import json,sys
print(", ".join("%s=%s%s pid %s" % (s["name"], s["state"], " healthy" if s["healthy"] else "", s["pid"]) for s in json.load(open(sys.argv[1]))["services"]))' "$STATUS" 2>/dev/null \
        || echo "unreadable status: $(head -c 300 "$STATUS")"
}
EXPECTED="postgres-backend postgres-ai postgres-executor redis"
all_healthy() {
    local s
    for s in $EXPECTED; do [ "$(svc "$s" healthy)" = true ] || return 1; done
}

if status_json; then
    if all_healthy; then
        pass "aegisctl status --json inside: $(summary)"
    else
        fail "aegisctl status --json: not every service healthy: $(summary)"
    fi
    loki=$(svc loki state)
    note "loki (disabled in the config): ${loki:-not listed}"
else
    fail "aegisctl status --json failed: $(cat "$RUN_DIR/status.err")"
fi

say "journalctl -u aegisd -o json: the children's lines with their fields"
inside journalctl --no-pager -u aegisd -o json > "$RUN_DIR/journal.json" || true
journal_check=$(python3 - "$RUN_DIR/journal.json" <<'EOF'
import json, sys
count = {}
sample = None
for line in open(sys.argv[1]):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    ident = e.get("SYSLOG_IDENTIFIER")
    if ident == "aegis-postgres-backend" and e.get("AEGIS_SERVICE"):
        count[ident] = count.get(ident, 0) + 1
        sample = sample or e
    elif isinstance(ident, str) and ident.startswith("aegis-") and e.get("AEGIS_SERVICE"):
        count[ident] = count.get(ident, 0) + 1
if sample:
    msg = sample.get("MESSAGE")
    if isinstance(msg, list):
        msg = bytes(msg).decode("utf-8", "replace")
    print("ok %s; e.g. SYSLOG_IDENTIFIER=%s AEGIS_SERVICE=%s _SYSTEMD_UNIT=%s MESSAGE=%r" % (
        ", ".join("%s: %d" % kv for kv in sorted(count.items())), sample["SYSLOG_IDENTIFIER"],
        sample["AEGIS_SERVICE"], sample.get("_SYSTEMD_UNIT"), (msg or "")[:90]))
else:
    print("none: identifiers seen: %s" % sorted(count))
EOF
)
case $journal_check in
    ok*) pass "journalctl -u aegisd -o json: ${journal_check#ok }" ;;
    *) fail "journalctl -u aegisd -o json has no line with SYSLOG_IDENTIFIER=aegis-postgres-backend and AEGIS_SERVICE ($journal_check)"
       journal_tail ;;
esac

say "aegisd's log threads at nice 10 under the unit's seccomp filter, its pipe readers at 0"
main_pid=$(inside systemctl show -p MainPID --value aegisd 2>/dev/null)
# name=nice of every thread of aegisd, from /proc (comm, and field 19 of stat).
threads=$(inside sh -c "for t in /proc/$main_pid/task/*; do echo \"\$(cat \$t/comm)=\$(cut -d' ' -f19 \$t/stat)\"; done" 2>/dev/null \
    | sort | uniq -c | awk '{print $2 " x" $1}' | paste -sd' ' -)
if grep -q 'aegis-pipe-line=10' <<<"$threads" && grep -q 'aegis-journal=10' <<<"$threads" \
    && grep -q 'aegis-pipe-read=0' <<<"$threads" && ! grep -q 'aegis-pipe-line=0' <<<"$threads"; then
    pass "aegisd's threads (name=nice): $threads"
else
    fail "aegisd's log threads are not at nice 10 (setpriority refused?): $threads"
fi

say "runbook (operations.md): backup, drill and restore with the operator's key in /root, which aegisd (User=aegis, ProtectHome=yes) cannot open: aegisctl reads it"
if out=$(inside aegisctl backup postgres-backend 2>&1); then
    pass "aegisctl backup postgres-backend: $(echo "$out" | tail -1)"
else
    fail "aegisctl backup postgres-backend: $out"
fi
for step in "verify postgres-backend latest" "restore postgres-backend latest --yes"; do
    # $step is several words on purpose.
    # shellcheck disable=SC2086
    if out=$(inside aegisctl $step --identity /root/backup.agekey 2>&1); then
        pass "aegisctl $step --identity /root/backup.agekey: $(echo "$out" | tail -1)"
    else
        fail "aegisctl $step --identity /root/backup.agekey: $out"
        journal_tail
    fi
done
# The secret line goes to grep through a file (-f), never through argv; either case (bech32).
if ! inside sh -c 'grep "^AGE-SECRET-KEY-1" /root/backup.agekey > /root/backup.agekey.line'; then
    fail "no AGE-SECRET-KEY-1 line in /root/backup.agekey"
elif inside sh -c 'journalctl --no-pager -o cat -u aegisd | grep -qiF -f /root/backup.agekey.line'; then
    fail "the operator's key appears in aegisd's journal"
else
    pass "the operator's key appears nowhere in aegisd's journal (journalctl -u aegisd)"
fi
inside rm -f /root/backup.agekey.line

say "kill -9 the postgres-backend postmaster and wait for it to come back healthy"
old_pid=$(svc postgres-backend pid)
if [[ "$old_pid" =~ ^[0-9]+$ ]]; then
    inside sh -c "kill -9 $old_pid" # the shell builtin: procps is not in the root
    t0=$(date +%s)
    new_pid=""
    for _ in $(seq 1 120); do
        sleep 0.5
        status_json || continue
        p=$(svc postgres-backend pid)
        if [[ "$p" =~ ^[0-9]+$ ]] && [ "$p" != "$old_pid" ] && [ "$(svc postgres-backend healthy)" = true ]; then
            new_pid=$p; break
        fi
    done
    if [ -n "$new_pid" ]; then
        pass "postmaster $old_pid killed with SIGKILL; postgres-backend healthy again in $(( $(date +%s) - t0 )) s with pid $new_pid (restarts $(svc postgres-backend restarts))"
    else
        fail "postgres-backend did not come back healthy within 60 s after kill -9 $old_pid: $(summary 2>/dev/null)"
        journal_tail
    fi
else
    fail "no postgres-backend pid in aegisctl status --json ('$old_pid')"
fi

say "systemctl reload aegisd (SIGHUP: RELOADING=1 … READY=1; unchanged services keep running)"
pids_before=""
status_json && pids_before=$(for s in $EXPECTED; do svc "$s" pid; done | tr '\n' ' ')
if inside timeout 120 systemctl reload aegisd; then
    state=""
    for _ in $(seq 1 60); do
        state=$(inside systemctl show -p ActiveState --value aegisd)
        [ "$state" = active ] && break
        sleep 0.5
    done
    status_json || true
    pids_after=$(for s in $EXPECTED; do svc "$s" pid; done | tr '\n' ' ')
    reloaded=$(inside journalctl --no-pager -u aegisd -o cat --grep 'reload' -n 3 2>/dev/null | tail -1 || true)
    if [ "$state" = active ] && all_healthy && [ "$pids_before" = "$pids_after" ]; then
        pass "systemctl reload aegisd: ActiveState=$state, services healthy, pids unchanged ($pids_after); journal: ${reloaded:-no reload line}"
    else
        fail "after systemctl reload aegisd: ActiveState=$state, $(summary), pids before '$pids_before' after '$pids_after'"
        journal_tail
    fi
else
    fail "systemctl reload aegisd failed"
    journal_tail
fi

# --- packaging: an upgrade keeps the service and the rows, a removal keeps the data ----------
# The app's own role over TLS, as a client would connect (connect-info says how).
connect_info=$(inside aegisctl connect-info postgres-backend --json 2>&1 || true)
PG_CONNINFO=$(python3 -c 'import json, sys
d = json.loads(sys.argv[1])
print("host=%s port=%s dbname=%s user=%s sslmode=%s sslrootcert=%s" % (
    d["host"], d["port"], d["database"], d["user"], d["sslmode"], d["sslrootcert"]))' "$connect_info" 2>/dev/null || true)
PG_PASSFILE=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["password_file"])' "$connect_info" 2>/dev/null || true)
app_sql() { inside sh -c "PGPASSWORD=\"\$(cat '$PG_PASSFILE')\" psql -XqtA -v ON_ERROR_STOP=1 '$PG_CONNINFO' -c \"$1\""; }
probe_rows() { app_sql "SELECT count(*) FROM roles WHERE name LIKE 'package-probe-%'" 2>&1; }
main_pid() { inside systemctl show -p MainPID --value aegisd 2>/dev/null; }
wait_all_healthy() { # up to 60 s, reading the status JSON each half second
    local _
    for _ in $(seq 1 120); do status_json && all_healthy && return 0; sleep 0.5; done
    return 1
}

say "package upgrade: rows written, then the same .deb installed again over itself (dpkg -i)"
if app_sql "INSERT INTO roles (name) SELECT 'package-probe-' || g FROM generate_series(1, 100) g" >/dev/null 2>"$RUN_DIR/psql.err"; then
    note "wrote 100 rows into aegis_backend.roles as $(echo "$PG_CONNINFO" | sed -n 's/.*user=\([^ ]*\).*/\1/p') over TLS (sslmode=verify-full)"
else
    fail "could not write rows through $PG_CONNINFO: $(cat "$RUN_DIR/psql.err")"
fi
pid_before=$(main_pid)
if upgrade_out=$(inside dpkg -i /root/aegisd.deb 2>&1); then
    echo "$upgrade_out" | grep -iv '^(Reading database' | sed 's/^/    | /'
    rows=$(probe_rows)
    pid_after=$(main_pid)
    active=$(inside systemctl is-active aegisd || true)
    if grep -q 'Stopping aegisd' <<<"$upgrade_out" && grep -q 'Starting aegisd again' <<<"$upgrade_out" \
        && [ "$active" = active ] && [ "$pid_after" != "$pid_before" ] && wait_all_healthy && [ "$rows" = 100 ]; then
        pass "upgrade: prerm stopped aegisd (pid $pid_before), postinst started it again (pid $pid_after), $(summary), rows kept: $rows"
    else
        fail "upgrade: is-active=$active, pid $pid_before -> $pid_after, rows '$rows' (expected 100), $(summary)"
        journal_tail
    fi
else
    fail "dpkg -i /root/aegisd.deb (upgrade over itself) failed:"; echo "$upgrade_out" | sed 's/^/    | /'
fi

say "package removal (dpkg -r): aegisd stopped first, the databases, backups and secrets kept"
if remove_out=$(inside dpkg -r aegisd 2>&1); then
    echo "$remove_out" | grep -iv '^(Reading database' | sed 's/^/    | /'
    left=$(inside sh -c 'for p in /proc/[0-9]*; do c=$(cat $p/comm 2>/dev/null) || continue; case $c in postgres|redis-server|aegisd) echo "${p#/proc/}:$c";; esac; done' | tr '\n' ' ')
    active=$(inside systemctl is-active aegisd 2>/dev/null || true)
    state="data/postgres-backend/PG_VERSION data/postgres-ai/PG_VERSION data/postgres-executor/PG_VERSION data/redis"
    state="$state secrets/postgres-backend.password certs/ca/ca.crt backups/postgres-backend"
    lost=$(inside sh -c "for d in $state; do [ -e /var/lib/aegis/\$d ] || echo \$d; done" | tr '\n' ' ')
    if [ -z "$left" ] && [ "$active" != active ] && [ -z "$lost" ] && inside test -f /etc/aegis/aegisd.toml; then
        pass "dpkg -r: aegisd $active, no postgres/redis-server/aegisd left, /var/lib/aegis ($state) and /etc/aegis/aegisd.toml kept"
    else
        fail "dpkg -r: is-active=$active, processes left: '${left:-none}', missing from /var/lib/aegis: '${lost:-nothing}'"
    fi
else
    fail "dpkg -r aegisd failed:"; echo "$remove_out" | sed 's/^/    | /'
fi

say "reinstall after the removal and start: the same rows are served again"
if inside dpkg -i /root/aegisd.deb >/dev/null 2>&1 && inside timeout 300 systemctl start aegisd && wait_all_healthy; then
    rows=$(probe_rows)
    if [ "$rows" = 100 ]; then
        pass "reinstalled and started: $(summary), rows kept across the removal: $rows"
    else
        fail "reinstalled and started, but the rows are '$rows' (expected 100)"
    fi
else
    fail "reinstall + systemctl start aegisd after the removal failed: $(summary 2>/dev/null)"
    journal_tail
fi

# --- clients on other hosts ------------------------------------------------------------------
# A client in a network namespace of this run's own, joined to the container by a veth pair
# (10.213.77.0/30: the container's end .1, the client .2; nothing is routed beyond the pair, the
# host's own network namespace is never touched). postgres-backend and Redis listen on .1 for the
# client network; the unit's IPAddressAllow=localhost must drop the client until the drop-in that
# `aegisd config check` prints is in place, and `psql sslmode=verify-full` and `redis-cli --tls`
# must then connect.
REMOTE_NETNS=""
remote_clients_check() {
    local server=10.213.77.1 client=10.213.77.2 network=10.213.77.0/30 port=5432
    local ca=$RUN_DIR/remote-ca.crt passfile=$RUN_DIR/remote.pgpass redis_passfile=$RUN_DIR/remote.redispass out dropin
    REMOTE_NETNS=aegis-client-$RUN_ID
    say "clients on other hosts: a veth pair from the network namespace $REMOTE_NETNS ($client) to the container ($server)"
    ip netns add "$REMOTE_NETNS"
    ip -n "$REMOTE_NETNS" link add aegis-client type veth peer name aegis-remote netns "$PID1"
    ip -n "$REMOTE_NETNS" addr add "$client/30" dev aegis-client
    ip -n "$REMOTE_NETNS" link set aegis-client up
    ip -n "$REMOTE_NETNS" link set lo up
    nsenter -t "$PID1" -n ip addr add "$server/30" dev aegis-remote
    nsenter -t "$PID1" -n ip link set aegis-remote up
    note "client: $(ip -n "$REMOTE_NETNS" -brief addr show aegis-client | tr -s ' ')"
    note "container: $(nsenter -t "$PID1" -n ip -brief addr show aegis-remote | tr -s ' ')"

    say "operator step: [postgres.backend] listen_addresses and [redis] bind += $server, client_networks = [\"$network\"]"
    inside sed -i \
        -e "/^\[postgres.backend\]/,/^\[/ s|^listen_addresses = .*|listen_addresses = [\"127.0.0.1\", \"::1\", \"$server\"]|" \
        -e "/^\[postgres.backend\]/,/^\[/ s|^client_networks = .*|client_networks = [\"$network\"]|" \
        -e "/^\[redis\]/,/^\[/ s|^bind = .*|bind = [\"127.0.0.1\", \"::1\", \"$server\"]|" \
        -e "/^\[redis\]/,/^\[/ s|^client_networks = .*|client_networks = [\"$network\"]|" \
        /etc/aegis/aegisd.toml
    note "$(inside sed -n '/^\[postgres.backend\]/,/^\[/ { /^listen_addresses\|^client_networks/p }; /^\[redis\]/,/^\[/ { /^bind\|^client_networks/p }' /etc/aegis/aegisd.toml | tr '\n' ' ')"
    out=$(inside aegisd config check --config /etc/aegis/aegisd.toml 2>&1) || true
    # The drop-in as config check prints it: from [Service] to the end of its warning.
    dropin=$(printf '%s\n' "$out" | sed -n '/^\[Service\]$/,/^$/p' | sed '/^$/d')
    if grep -q "clients from $network will be dropped by the systemd unit's IPAddressAllow=localhost" <<<"$out" \
        && grep -qx "IPAddressAllow=$network" <<<"$dropin"; then
        pass "aegisd config check names the drop-in for $network: $(tr '\n' ' ' <<<"$dropin")"
    else
        fail "aegisd config check does not print the drop-in for $network: $out"
    fi

    say "systemctl restart aegisd: postgres-backend on $server, its certificate re-issued with that address"
    inside timeout 300 systemctl restart aegisd || { fail "systemctl restart aegisd failed"; journal_tail; }
    wait_all_healthy_or_fail
    # /proc/net/tcp: local address in little-endian hex, state 0A = LISTEN.
    local hexaddr a b c d
    IFS=. read -r a b c d <<<"$server"
    hexaddr=$(printf '%02X%02X%02X%02X:%04X' "$d" "$c" "$b" "$a" "$port")
    if inside grep -q " $hexaddr 00000000:0000 0A " /proc/net/tcp; then
        pass "postgres-backend listens on $server:$port inside the container"
    else
        fail "nothing listens on $server:$port inside the container: $(inside cat /proc/net/tcp | head -12 | tr '\n' '|')"
    fi
    cp "$RUNROOT/var/lib/aegis/certs/ca/ca.crt" "$ca"
    # The password through a passfile (0600), never in argv or the environment.
    ( umask 077; printf '%s:%s:aegis_backend:aegis_backend_user:%s\n' "$server" "$port" \
        "$(cat "$RUNROOT/var/lib/aegis/secrets/postgres-backend.password")" > "$passfile" )
    cp "$RUNROOT/var/lib/aegis/secrets/redis-backend.password" "$redis_passfile" && chmod 0600 "$redis_passfile"
    remote_redis() { # one write as the backend app user, over TLS, from the client's namespace (password on stdin)
        ip netns exec "$REMOTE_NETNS" env -i PATH=/usr/bin:/bin timeout 10 \
            redis-cli -h "$server" -p 6379 --tls --cacert "$ca" --user backend --askpass SET backend:remote-client ok \
            < "$redis_passfile" 2>&1
    }
    remote_psql() { # remote_psql SSLMODE: one query from the client's namespace
        ip netns exec "$REMOTE_NETNS" env -i PATH=/usr/bin:/bin PGPASSFILE="$passfile" PGCONNECT_TIMEOUT=5 \
            psql "host=$server port=$port dbname=aegis_backend user=aegis_backend_user sslmode=$1 sslrootcert=$ca" \
            -Atc "SELECT current_user || ' from ' || host(inet_client_addr()) || ' over ' || (SELECT version FROM pg_stat_ssl WHERE pid = pg_backend_pid())" 2>&1
    }

    local cgroupfs
    cgroupfs=$(inside stat -fc %T /sys/fs/cgroup)
    if out=$(remote_psql verify-full); then
        fail "before the drop-in, the client in $REMOTE_NETNS connected (the container's /sys/fs/cgroup is $cgroupfs; systemd enforces IPAddressDeny= only on cgroup2fs and with bpf()): $out"
    elif grep -q "timeout expired" <<<"$out"; then
        pass "before the drop-in: psql sslmode=verify-full from $client is dropped by the unit's filter ($(tr '\n' ' ' <<<"$out"))"
    else
        fail "before the drop-in: psql from $client failed, but not by a timeout of the unit's filter: $out"
    fi

    local rc
    out=$(remote_redis) && rc=0 || rc=$?
    if [ "$out" = OK ]; then
        fail "before the drop-in, redis-cli from $client reached Redis: $out"
    elif [ "$rc" = 124 ]; then
        pass "before the drop-in: redis-cli --tls from $client gets no answer within 10 s (dropped by the unit's filter)"
    else
        fail "before the drop-in: redis-cli from $client failed (exit $rc), but not by a timeout: $out"
    fi

    say "operator step: the drop-in config check printed, as /etc/systemd/system/aegisd.service.d/clients.conf; daemon-reload; restart"
    inside mkdir -p /etc/systemd/system/aegisd.service.d
    printf '%s\n' "$dropin" | inside tee /etc/systemd/system/aegisd.service.d/clients.conf >/dev/null
    inside systemctl daemon-reload
    note "IPAddressAllow now: $(inside systemctl show -p IPAddressAllow --value aegisd)"
    inside timeout 300 systemctl restart aegisd || { fail "systemctl restart aegisd failed"; journal_tail; }
    wait_all_healthy_or_fail
    out=$(inside aegisd config check --config /etc/aegis/aegisd.toml 2>&1) || true
    if grep -q "warning: client_networks:" <<<"$out"; then
        fail "aegisd config check still asks for a drop-in after clients.conf: $out"
    else
        pass "aegisd config check after the drop-in asks for none: $(grep -c warning <<<"$out") other warning(s), $(tail -1 <<<"$out")"
    fi
    if out=$(remote_psql verify-full) && [ "$out" = "aegis_backend_user from $client over TLSv1.3" ]; then
        pass "after the drop-in: psql sslmode=verify-full from $client to $server: $out"
    else
        fail "after the drop-in: psql sslmode=verify-full from $client to $server: $out"
        journal_tail
    fi
    if out=$(remote_redis) && [ "$out" = OK ]; then
        pass "after the drop-in: redis-cli --tls --user backend SET backend:remote-client from $client: $out"
    else
        fail "after the drop-in: redis-cli --tls from $client: $out"
    fi
    if out=$(remote_psql disable); then
        fail "a plaintext connection from $client was admitted: $out"
    elif grep -qF "pg_hba.conf rejects connection for host \"$client\", user \"aegis_backend_user\", database \"aegis_backend\", no encryption" <<<"$out"; then
        pass "plaintext from $client is refused by pg_hba (hostssl only)"
    else
        fail "plaintext from $client failed for another reason than pg_hba: $out"
    fi
    ip netns del "$REMOTE_NETNS" && REMOTE_NETNS=""
    rm -f "$passfile" "$redis_passfile"
}

wait_all_healthy_or_fail() { # after a restart: every service healthy again, for at most 120 s
    for _ in $(seq 1 240); do
        status_json && all_healthy && return 0
        sleep 0.5
    done
    fail "services not healthy 120 s after the restart: $(summary)"
    journal_tail
}

remote_clients_check

say "systemctl stop aegisd: no postgres or redis-server may be left in the container"
if inside timeout 120 systemctl stop aegisd; then
    # procps is not in the root: read /proc inside the container's PID namespace.
    left=$(inside sh -c 'for p in /proc/[0-9]*; do c=$(cat $p/comm 2>/dev/null) || continue; case $c in postgres|redis-server|aegisd) echo "${p#/proc/}:$c";; esac; done' | tr '\n' ' ')
    active=$(inside systemctl is-active aegisd || true)
    if [ -z "$left" ] && [ "$active" = inactive ]; then
        pass "systemctl stop aegisd: is-active=$active, no postgres/redis-server/aegisd process left"
    else
        fail "after systemctl stop aegisd: is-active=$active, processes left: ${left:-none}"
    fi
    stop_line=$(inside journalctl --no-pager -u aegisd -o cat -n 2 | tr '\n' ' ')
    note "last journal lines: $stop_line"
else
    fail "systemctl stop aegisd failed"
    journal_tail
fi

say "package purge (dpkg -P): /etc/aegis removed, /var/lib/aegis kept, and the message says so"
if purge_out=$(inside dpkg -P aegisd 2>&1); then
    echo "$purge_out" | grep -iv '^(Reading database' | sed 's/^/    | /'
    if ! inside test -e /etc/aegis && inside test -f /var/lib/aegis/data/postgres-backend/PG_VERSION \
        && grep -q '/var/lib/aegis are kept' <<<"$purge_out"; then
        pass "dpkg -P: /etc/aegis gone, the databases in /var/lib/aegis kept, and purge said so"
    else
        fail "dpkg -P: /etc/aegis $(inside test -e /etc/aegis && echo present || echo gone), /var/lib/aegis/data/postgres-backend $(inside test -e /var/lib/aegis/data/postgres-backend/PG_VERSION && echo kept || echo gone)"
    fi
else
    fail "dpkg -P aegisd failed:"; echo "$purge_out" | sed 's/^/    | /'
fi

say "shutting the container down (SIGRTMIN+4 to its PID 1: poweroff)"
kill -s RTMIN+4 "$PID1"
stopped=0
for _ in $(seq 1 120); do
    kill -0 "$NSPAWN_PID" 2>/dev/null || { stopped=1; break; }
    sleep 0.5
done
if [ "$stopped" = 1 ]; then
    wait "$NSPAWN_PID" 2>/dev/null && rc=0 || rc=$?
    NSPAWN_PID=""
    pass "container powered off (systemd-nspawn exited with $rc)"
else
    fail "container still running 60 s after SIGRTMIN+4 (cleanup will kill it)"
fi

# Cleanup runs from the trap; check afterwards that nothing of this run is left on the host.
cleanup_and_check() {
    local leftovers=""
    (trap - EXIT; cleanup) > "$RUN_DIR.cleanup.log" 2>&1 || true
    sed 's/^/    /' "$RUN_DIR.cleanup.log"; rm -f "$RUN_DIR.cleanup.log"
    [ -e "$RUN_DIR" ] && leftovers="$leftovers $RUN_DIR"
    for d in /sys/fs/cgroup/*/"$CGROUP" /sys/fs/cgroup/"$CGROUP" /run/systemd/nspawn/propagate/"$MACHINE" /run/systemd/nspawn/unix-export/"$MACHINE"; do
        [ -e "$d" ] && leftovers="$leftovers $d"
    done
    grep -q "$RUN_DIR" /proc/self/mounts && leftovers="$leftovers mounts-under-$RUN_DIR"
    for p in $(pgrep -f "$MACHINE" 2>/dev/null || true); do [ "$p" != $$ ] && leftovers="$leftovers pid:$p"; done
    if [ -z "$leftovers" ]; then
        pass "host clean: per-run root, cgroups ($CGROUP), /run/systemd/nspawn entries and mounts removed"
    else
        fail "left on the host:$leftovers"
    fi
}
say "cleaning up on the host"
cleanup_and_check
RUN_DIR=""
CGROUP=""

echo
echo "==> system test summary ($PASSES passed, $FAILS failed)"
printf '    %s\n' "${SUMMARY[@]}"
[ "$FAILS" = 0 ] || exit 1
