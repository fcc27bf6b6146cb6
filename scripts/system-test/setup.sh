# shellcheck shell=bash
# Sourced by scripts/test-system.sh: everything before the checks. Prepares the host, builds
# (or takes) the package, makes the cached Debian root and this run's copy of it, installs the
# package there and boots it with systemd-nspawn; ends with the container up and `inside`
# ready. Registers the cleanup that removes everything of this run on exit.

cd "$REPO"

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
