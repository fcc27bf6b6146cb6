# shellcheck shell=bash
# Sourced by scripts/test-system.sh after setup.sh: the operator's steps on the booted
# container, then every check (PASS/FAIL lines counted by pass/fail). Uses what setup.sh
# defined: inside, say, note, pass, fail, RUN_DIR, MACHINE, the package path in DEB.

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
