#!/usr/bin/env bash
# A pair of hosts replicating over TLS (`make test-pair`): two network namespaces joined by a veth
# pair, host A at 10.231.0.1 (the primary, known to B as db-a.pair.test) and host B at 10.231.0.2
# (its standby), each running its own aegisd with its own state directory on the same ports.
# B is paired the documented way (operations.md, "A standby host"): A's configuration lets
# 10.231.0.0/24 replicate and names itself db-a.pair.test in its certificates, A makes the bundle,
# B's configuration is written by `aegisd config init --standby-of`, and B's first start copies
# every instance over the veth link with sslmode=verify-full against that name.
#
#   scripts/test-pair.sh [BIN_DIR]    (default: `swift build --show-bin-path`)
#
# Needs root. Every check prints PASS or FAIL; any FAIL makes the exit status non-zero. Where
# network namespaces cannot be made (no root, no CAP_SYS_ADMIN, no `ip`), it prints
# "SKIPPED: <reason>" and exits 0. A failure of the product never skips.
set -Eeuo pipefail
trap 'echo "FAIL: line $LINENO: \`$BASH_COMMAND\` exited with $?" >&2' ERR

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${1:-$(cd "$REPO" && swift build --show-bin-path)}
BIN=$(cd "$BIN" && pwd)
PRIMARY_NAME=db-a.pair.test
PORT_BASE=25432
NS_A=aegis-pair-a-$$
NS_B=aegis-pair-b-$$
VETH_A=apa$$
VETH_B=apb$$
RUN_DIR=""
PIDS=()
PASSES=0
FAILS=0
SUMMARY=()

say() { printf '==> %s\n' "$*"; }
pass() { PASSES=$((PASSES + 1)); SUMMARY+=("PASS: $1"); printf 'PASS: %s\n' "$1"; }
fail() { FAILS=$((FAILS + 1)); SUMMARY+=("FAIL: $1"); printf 'FAIL: %s\n' "$1"; }
skip() { echo "SKIPPED: $*"; exit 0; }

[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, and the servers run as the aegis user): sudo make test-pair"
command -v ip >/dev/null || skip "iproute2's ip is not installed"
[ -x "$BIN/aegisd" ] && [ -x "$BIN/aegisctl" ] || { echo "FAIL: no aegisd and aegisctl in $BIN: run swift build" >&2; exit 1; }
ip netns add "$NS_A" 2>/dev/null || skip "cannot create a network namespace here (ip netns add failed: no CAP_SYS_ADMIN?)"

cleanup() {
    trap - ERR
    set +e
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
        kill -KILL "$pid" 2>/dev/null
    done
    ip netns del "$NS_A" 2>/dev/null
    ip netns del "$NS_B" 2>/dev/null
    rm -rf "/etc/netns/$NS_A" "/etc/netns/$NS_B"
    rmdir /etc/netns 2>/dev/null
    if [ -n "$RUN_DIR" ]; then
        if [ "$FAILS" != 0 ] && [ "${AEGIS_PAIR_KEEP:-}" = 1 ]; then echo "kept $RUN_DIR"; else rm -rf "$RUN_DIR"; fi
    fi
}
trap cleanup EXIT

# -- the two hosts' network ---------------------------------------------------------------
say "network: namespaces $NS_A (10.231.0.1) and $NS_B (10.231.0.2), joined by a veth pair"
ip netns add "$NS_B"
ip link add "$VETH_A" type veth peer name "$VETH_B"
ip link set "$VETH_A" netns "$NS_A"
ip link set "$VETH_B" netns "$NS_B"
ip -n "$NS_A" addr add 10.231.0.1/24 dev "$VETH_A"
ip -n "$NS_B" addr add 10.231.0.2/24 dev "$VETH_B"
for ns in "$NS_A" "$NS_B"; do ip -n "$ns" link set lo up; done
ip -n "$NS_A" link set "$VETH_A" up
ip -n "$NS_B" link set "$VETH_B" up
# B knows A by name: `ip netns exec` puts /etc/netns/NS/hosts over /etc/hosts.
mkdir -p "/etc/netns/$NS_B"
printf '127.0.0.1 localhost\n::1 localhost\n10.231.0.1 %s\n' "$PRIMARY_NAME" > "/etc/netns/$NS_B/hosts"
resolved=$(ip netns exec "$NS_B" getent hosts "$PRIMARY_NAME" || true)
case "$resolved" in
    "10.231.0.1 "*) pass "B resolves $PRIMARY_NAME to 10.231.0.1" ;;
    *) fail "B resolves $PRIMARY_NAME to '$resolved', not 10.231.0.1" ;;
esac

RUN_DIR=$(mktemp -d /tmp/aegisd-test-pair.XXXXXX)
chmod 0755 "$RUN_DIR"  # traversable by the aegis user

# A setting of the generated file: `key = value` inside `[section]`.
set_key() { # FILE SECTION KEY VALUE
    sed -i "/^\[$2\]\$/,/^\[/ s|^$3 = .*|$3 = $4|" "$1"
}

start_aegisd() { # NAMESPACE ROOT
    ip netns exec "$1" "$BIN/aegisd" --config "$2/aegisd.toml" --stderr-log >> "$2/aegisd.log" 2>&1 &
    PIDS+=($!)
}

# Waits until every PostgreSQL instance and Redis of ROOT is healthy (status JSON).
wait_healthy() { # ROOT SECONDS
    local deadline=$((SECONDS + $2))
    while [ $SECONDS -lt $deadline ]; do
        if "$BIN/aegisctl" --socket "$1/run/aegisd.sock" status --json 2>/dev/null | python3 -c '
import json, sys
services = {s["name"]: s for s in json.load(sys.stdin)["services"]}
names = ["postgres-backend", "postgres-ai", "postgres-executor", "redis"]
sys.exit(0 if all(services.get(n, {}).get("healthy") for n in names) else 1)' 2>/dev/null; then return 0; fi
        sleep 1
    done
    echo "not healthy after $2 s; the end of $1/aegisd.log:"; tail -30 "$1/aegisd.log"
    return 1
}

# Polls a shell condition until it holds or SECONDS pass.
eventually() { # SECONDS COMMAND...
    local deadline=$((SECONDS + $1)); shift
    until "$@"; do [ $SECONDS -lt $deadline ] || return 1; sleep 0.5; done
}

A=$RUN_DIR/a
B=$RUN_DIR/b
BACKEND_PORT=$PORT_BASE

# -- host A, the primary ------------------------------------------------------------------
say "host A: aegisd config init, then the standby network and A's name, as operations.md says"
"$BIN/aegisd" config init --root "$A" --port-base $PORT_BASE > /dev/null
for instance in backend ai executor; do
    set_key "$A/aegisd.toml" "postgres.$instance" listen_addresses '["127.0.0.1", "::1", "10.231.0.1"]'
done
set_key "$A/aegisd.toml" redis bind '["127.0.0.1", "::1", "10.231.0.1"]'
set_key "$A/aegisd.toml" replication standby_networks '["10.231.0.0/24"]'
set_key "$A/aegisd.toml" tls extra_names "[\"$PRIMARY_NAME\"]"
# Loki is not installed here; point-in-time recovery is not what this test is about.
set_key "$A/aegisd.toml" loki enabled false
set_key "$A/aegisd.toml" pitr enabled false
start_aegisd "$NS_A" "$A"
wait_healthy "$A" 300
pass "A: aegisd healthy in its namespace"

say "host A: the bundle"
"$BIN/aegisctl" --socket "$A/run/aegisd.sock" replication bundle --out "$RUN_DIR/standby.bundle" --host "$PRIMARY_NAME"
[ "$(stat -c %a "$RUN_DIR/standby.bundle")" = 600 ] && pass "the bundle is 0600" || fail "the bundle's mode is $(stat -c %a "$RUN_DIR/standby.bundle")"

# -- host B, the standby ------------------------------------------------------------------
say "host B: aegisd config init --standby-of, same ports as A (another host), first start copies A"
"$BIN/aegisd" config init --root "$B" --port-base $PORT_BASE --standby-of "$RUN_DIR/standby.bundle" > /dev/null
rm -f "$RUN_DIR/standby.bundle"
set_key "$B/aegisd.toml" loki enabled false
grep -q "^primary_host = \"$PRIMARY_NAME\"" "$B/aegisd.toml" && pass "B's configuration follows $PRIMARY_NAME" \
    || fail "B's configuration has no primary_host = \"$PRIMARY_NAME\""
start_aegisd "$NS_B" "$B"
wait_healthy "$B" 600
pass "B: every instance copied from A over TLS and healthy"

a_sql() { psql -X -A -t -v ON_ERROR_STOP=1 "host=$A/run/postgres-backend port=$BACKEND_PORT user=aegis dbname=postgres" -c "$1"; }
b_sql() { psql -X -A -t -v ON_ERROR_STOP=1 "host=$B/run/postgres-backend port=$BACKEND_PORT user=aegis dbname=postgres" -c "$1"; }

# -- checks -------------------------------------------------------------------------------
seen=$(a_sql "SELECT r.client_addr, s.ssl, r.state FROM pg_stat_replication r JOIN pg_stat_ssl s USING (pid)")
case "$seen" in
    "10.231.0.2|t|streaming") pass "A streams to B from 10.231.0.2 over TLS (pg_stat_replication + pg_stat_ssl: $seen)" ;;
    *) fail "A's replication connection is not from 10.231.0.2 over TLS: '$seen'" ;;
esac
conninfo=$(b_sql "SELECT conninfo FROM pg_stat_wal_receiver")
case "$conninfo" in
    *"host=$PRIMARY_NAME"*"sslmode=verify-full"*) pass "B's WAL receiver dials $PRIMARY_NAME with sslmode=verify-full" ;;
    *) fail "B's WAL receiver conninfo: $conninfo" ;;
esac

a_sql "CREATE TABLE pair_check (id int); INSERT INTO pair_check VALUES (1), (2)" > /dev/null
if eventually 60 bash -c "[ \"\$(psql -X -A -t 'host=$B/run/postgres-backend port=$BACKEND_PORT user=aegis dbname=postgres' -c 'SELECT count(*) FROM pair_check' 2>/dev/null)\" = 2 ]"; then
    pass "rows written on A appear on B"
else
    fail "rows written on A did not appear on B within 60 s"
fi
if out=$(b_sql "INSERT INTO pair_check VALUES (3)" 2>&1); then
    fail "B accepted a write"
else
    case "$out" in *"read-only transaction"*) pass "B refuses writes (read-only transaction)" ;; *) fail "B's refusal: $out" ;; esac
fi

redis_a() { REDISCLI_AUTH=$(cat "$A/secrets/redis.password") redis-cli -s "$A/run/redis/redis.sock" --user aegisd "$@"; }
redis_b() { REDISCLI_AUTH=$(cat "$B/secrets/redis.password") redis-cli -s "$B/run/redis/redis.sock" --user aegisd "$@"; }
redis_a SET pair:check 42 > /dev/null
if eventually 60 bash -c "[ \"\$(REDISCLI_AUTH=\$(cat '$B/secrets/redis.password') redis-cli -s '$B/run/redis/redis.sock' --user aegisd GET pair:check 2>/dev/null)\" = 42 ]"; then
    pass "a Redis key set on A appears on B"
else
    fail "the Redis key did not reach B within 60 s"
fi
link=$(redis_b INFO replication | tr -d '\r' | grep -E '^(master_host|master_link_status):' | tr '\n' ' ')
case "$link" in
    *"master_host:$PRIMARY_NAME"*"master_link_status:up"*) pass "B's Redis follows $PRIMARY_NAME ($link)" ;;
    *) fail "B's Redis replication: $link" ;;
esac

roles=$("$BIN/aegisctl" --socket "$B/run/aegisd.sock" status --json | python3 -c '
import json, sys
print(" ".join(s["name"] + "=" + str(s.get("role")) for s in json.load(sys.stdin)["services"] if s["name"] != "loki"))')
case "$roles" in
    *primary*|"") fail "B's roles: $roles" ;;
    *) pass "B's status: $roles" ;;
esac

echo
echo "==> pair test summary ($PASSES passed, $FAILS failed)"
printf '    %s\n' "${SUMMARY[@]}"
if [ "$FAILS" != 0 ]; then exit 1; fi
