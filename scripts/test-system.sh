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
# A step that fails outside a check stops the test; say which one (file and line).
trap 'echo "FAIL: ${BASH_SOURCE[0]#"$REPO/"} line $LINENO: \`$BASH_COMMAND\` exited with $?" >&2' ERR

# Two parts, sourced in this shell so they share its variables and the cleanup trap:
#   system-test/setup.sh   host tools, the package, the cached and the per-run Debian root, the
#                          boot; defines inside(), pass(), fail() and the cleanup
#   system-test/checks.sh  the operator's steps and every check against the booted container
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=system-test/setup.sh
. "$REPO/scripts/system-test/setup.sh"
# shellcheck source=system-test/checks.sh
. "$REPO/scripts/system-test/checks.sh"

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
