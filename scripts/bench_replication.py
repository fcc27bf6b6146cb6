#!/usr/bin/env python3
"""Replication lag under load (issue #18): an aegisd pair against the usual hand-made setup, in
one run.

- aegisd: a primary aegisd and a standby aegisd on this machine (separate state directories and
  ports), paired the documented way (`aegisctl replication bundle`, `aegisd config init
  --standby-of`): pg_basebackup over TLS with `sslmode=verify-full`, a client certificate and
  SCRAM, a replication slot, streaming over TLS.
- hand-made: a plain PostgreSQL (initdb, a `replicator` role with a SCRAM password, a pg_hba line
  for replication from 127.0.0.1) and its copy made with `pg_basebackup -R -X stream -C -S SLOT`,
  started on other ports with a hand-written `primary_conninfo` (no TLS: what such setups
  usually do on one network).

The same pgbench load runs on both primaries, one after the other: `pgbench -i -s SCALE`, then
`pgbench -c CLIENTS -j 2 -R RATE -T SECONDS` (a fixed rate, so both sides write the same WAL per
second; the achieved rate is printed), ROUNDS times, the two sides alternating, each round on
fresh pairs. During the run the primary's `pg_stat_replication` row of
the standby is read every INTERVAL seconds: lag in bytes is
`pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)`, lag in seconds is `replay_lag` (NULL, read
as 0, once the standby has replayed everything and no new WAL arrives). Both are measured the
same way on both sides. Prints a markdown table: median, p99 and max of each.

Usage: scripts/bench_replication.py [BIN_DIR] [--scale 10] [--seconds 30] [--rate 200]
       [--clients 4] [--interval 0.2] [--rounds 2] [--keep]
BIN_DIR holds aegisd and aegisctl (default .build-static/release). Needs root (the servers run
as the `aegis` user) and pgbench, pg_basebackup, initdb and pg_ctl of PostgreSQL 15.
"""
import argparse, json, os, re, shutil, statistics, subprocess, sys, tempfile, threading, time

from benchlib import PG_BIN, free_base, free_port, run, wait_for_idle  # scripts/ is on sys.path

SERVICE_USER = "aegis"
INSTANCES = ["postgres-backend", "postgres-ai", "postgres-executor"]


def as_user(args):
    return ["runuser", "-u", SERVICE_USER, "--", *args]


def psql(conninfo, statement):
    return run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", conninfo, "-c", statement]).strip()


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


class LagSampler:
    """Reads the primary's view of one standby every `interval` seconds while in a `with` block."""

    QUERY = ("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn), "
             "coalesce(extract(epoch FROM replay_lag), 0) FROM pg_stat_replication WHERE application_name = '{name}'")

    def __init__(self, conninfo, name, interval):
        self.conninfo, self.name, self.interval = conninfo, name, interval
        self.bytes, self.seconds, self.missing = [], [], 0
        self._stop = threading.Event()

    def _run(self):
        while not self._stop.is_set():
            row = psql(self.conninfo, self.QUERY.format(name=self.name))
            if row:
                lag_bytes, lag_seconds = row.split("|")
                self.bytes.append(int(float(lag_bytes)))
                self.seconds.append(float(lag_seconds))
            else:
                self.missing += 1  # the standby was not connected at that moment
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def wait_caught_up(conninfo, name, timeout=300):
    """Until the standby has replayed everything the primary wrote (after pgbench -i)."""
    deadline = time.monotonic() + timeout
    query = (f"SELECT replay_lsn >= pg_current_wal_lsn() FROM pg_stat_replication "
             f"WHERE application_name = '{name}'")
    while time.monotonic() < deadline:
        if psql(conninfo, query) == "t":
            return
        time.sleep(0.2)
    raise SystemExit(f"the standby {name} did not catch up within {timeout} s")


def load(conninfo, sampler_name, args):
    """pgbench -i, then the timed run with the lag sampled; returns (sampler, achieved tps)."""
    run([f"{PG_BIN}/pgbench", "-i", "-q", "-s", str(args.scale), conninfo])
    wait_caught_up(conninfo, sampler_name)
    psql(conninfo, "CHECKPOINT")
    wait_for_idle(limit=120)
    with LagSampler(conninfo, sampler_name, args.interval) as sampler:
        out = run([f"{PG_BIN}/pgbench", "-n", "-c", str(args.clients), "-j", "2", "-R", str(args.rate),
                   "-T", str(args.seconds), conninfo])
    tps = float(re.search(r"tps = ([0-9.]+)", out).group(1))
    return sampler, tps


class AegisdHost:
    def __init__(self, bin_dir, root):
        self.bin_dir, self.root = bin_dir, root
        self.config = f"{root}/aegisd.toml"
        self.socket = f"{root}/run/aegisd.sock"
        self.proc = None

    def init(self, *extra):
        run([f"{self.bin_dir}/aegisd", "config", "init", "--root", self.root, "--port-base", str(free_base()), *extra])
        text = open(self.config).read()
        # Loki is not installed here; nothing else of the generated configuration is changed.
        text = re.sub(r"(\[loki\][^\[]*?)enabled = true", r"\1enabled = false", text, count=1)
        open(self.config, "w").write(text)
        self.port = int(re.search(r'\[postgres\.backend\][^\[]*?^port = (\d+)$', text, re.M | re.S).group(1))
        self.database = re.search(r'\[postgres\.backend\][^\[]*?^database = "([^"]+)"$', text, re.M | re.S).group(1)

    def conninfo(self):
        # The superuser over the Unix socket: peer authentication maps root to it.
        return f"host={self.root}/run/postgres-backend port={self.port} user=aegis dbname={self.database}"

    def start(self, timeout=600):
        log = open(f"{self.root}/aegisd.log", "a")
        self.proc = subprocess.Popen([f"{self.bin_dir}/aegisd", "--config", self.config, "--stderr-log"],
                                     stdout=log, stderr=log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"aegisd exited ({self.proc.returncode}); see {self.root}/aegisd.log")
            result = subprocess.run(self.aegisctl("status", "--json"), capture_output=True, text=True)
            if result.returncode == 0:
                services = {s["name"]: s for s in json.loads(result.stdout)["services"]}
                if all(services.get(n, {}).get("healthy") for n in INSTANCES):
                    return
            time.sleep(0.5)
        raise SystemExit(f"aegisd's PostgreSQL services not healthy after {timeout} s; see {self.root}/aegisd.log")

    def aegisctl(self, *args):
        return [f"{self.bin_dir}/aegisctl", "--socket", self.socket, *args]

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM: aegisd stops every service, then exits
            self.proc.wait(timeout=180)


def aegisd_pair(bin_dir, root, args):
    primary, standby = AegisdHost(bin_dir, f"{root}/primary"), AegisdHost(bin_dir, f"{root}/standby")
    try:
        primary.init()
        primary.start()
        bundle = f"{root}/standby.bundle"
        run(primary.aegisctl("replication", "bundle", "--out", bundle, "--host", "localhost"))
        standby.init("--standby-of", bundle)
        slot = re.search(r'^slot_name = "([^"]+)"$', open(standby.config).read(), re.M).group(1)
        os.remove(bundle)
        standby.start()
        return load(primary.conninfo(), slot, args)
    finally:
        standby.stop()
        primary.stop()


def hand_made(root, args):
    """initdb, a replication role, pg_basebackup -R, a hand-written primary_conninfo. Local
    (Unix socket) connections are trusted: that is the benchmark's own access, not the pair's."""
    primary_dir, standby_dir, sockets = f"{root}/hand-primary", f"{root}/hand-standby", f"{root}/hand-run"
    for directory in (primary_dir, standby_dir, sockets):
        os.makedirs(directory, mode=0o700)
        shutil.chown(directory, SERVICE_USER, SERVICE_USER)
    primary_port, standby_port = free_port(), free_port()
    password = os.urandom(12).hex()
    passfile = f"{root}/hand.pgpass"
    with open(passfile, "w") as f:
        f.write(f"127.0.0.1:{primary_port}:*:replicator:{password}\n")
    os.chmod(passfile, 0o600)
    shutil.chown(passfile, SERVICE_USER, SERVICE_USER)
    run(as_user([f"{PG_BIN}/initdb", "-D", primary_dir, "-U", SERVICE_USER, "--auth-local=trust",
                 "--auth-host=scram-sha-256"]))
    with open(f"{primary_dir}/postgresql.conf", "a") as f:
        f.write(f"port = {primary_port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{sockets}'\n")
    with open(f"{primary_dir}/pg_hba.conf", "a") as f:
        f.write("host replication replicator 127.0.0.1/32 scram-sha-256\n")
    conninfo = f"host={sockets} port={primary_port} user={SERVICE_USER} dbname=postgres"
    ctl = lambda data, *a: run(as_user([f"{PG_BIN}/pg_ctl", "-D", data, "-l", f"{sockets}/{os.path.basename(data)}.log", "-w", *a]))
    ctl(primary_dir, "start")
    try:
        # The password on stdin, not in argv.
        run(as_user(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", conninfo]),
            input=f"CREATE ROLE replicator REPLICATION LOGIN PASSWORD '{password}';\n", cwd="/")
        run(as_user([f"{PG_BIN}/pg_basebackup", "-h", "127.0.0.1", "-p", str(primary_port), "-U", "replicator",
                     "-D", standby_dir, "-R", "-X", "stream", "-C", "-S", "hand_standby", "--checkpoint=fast"]),
            env={**os.environ, "PGPASSFILE": passfile}, cwd="/")
        with open(f"{standby_dir}/postgresql.auto.conf", "a") as f:
            f.write(f"primary_conninfo = 'host=127.0.0.1 port={primary_port} user=replicator "
                    f"passfile={passfile} application_name=hand_standby'\n"
                    f"primary_slot_name = 'hand_standby'\nport = {standby_port}\n")
        ctl(standby_dir, "start")
        try:
            return load(conninfo, "hand_standby", args)
        finally:
            ctl(standby_dir, "stop", "-m", "fast")
    finally:
        ctl(primary_dir, "stop", "-m", "fast")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser()
    parser.add_argument("bin_dir", nargs="?", default=os.path.join(here, "..", ".build-static", "release"))
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--rate", type=int, default=200, help="pgbench transactions per second (-R)")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between lag samples")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of both sides, alternating")
    parser.add_argument("--keep", action="store_true", help="keep the temporary state directory")
    args = parser.parse_args()
    bin_dir = os.path.abspath(args.bin_dir)
    if os.geteuid() != 0:
        raise SystemExit("run as root: the servers run as the aegis user")
    for tool in [f"{PG_BIN}/pgbench", f"{PG_BIN}/pg_basebackup", f"{PG_BIN}/initdb", "psql", "runuser"]:
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is not installed")
    root = tempfile.mkdtemp(prefix="aegisd-bench-replication-")
    os.chmod(root, 0o755)  # traversable by the aegis user
    results = []
    try:
        # The two sides alternate, each round on fresh pairs, so both see the same machine.
        for round in range(1, args.rounds + 1):
            print(f"# round {round}: aegisd pair (state under {root}/{round})", file=sys.stderr, flush=True)
            os.makedirs(f"{root}/{round}", mode=0o755)
            results.append((f"aegisd pair, round {round}", aegisd_pair(bin_dir, f"{root}/{round}", args)))
            print(f"# round {round}: hand-made pair", file=sys.stderr, flush=True)
            results.append((f"hand-made, round {round}", hand_made(f"{root}/{round}", args)))
    finally:
        if args.keep:
            print(f"# kept {root}", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)

    print(f"Load: `pgbench -c {args.clients} -j 2 -R {args.rate} -T {args.seconds}` after "
          f"`pgbench -i -s {args.scale}`; lag sampled every {args.interval} s on the primary.\n")
    print("| setup | tps achieved | samples | lag bytes median | p99 | max | lag s median | p99 | max |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, (sampler, tps) in results:
        if not sampler.bytes:
            raise SystemExit(f"{name}: no lag sample (the standby was never connected)")
        b, s = sampler.bytes, sampler.seconds
        print(f"| {name} | {tps:.0f} | {len(b)} (+{sampler.missing} disconnected) | "
              f"{statistics.median(b) / 1024:.1f} KiB | {percentile(b, 0.99) / 1024:.1f} KiB | {max(b) / 1024:.1f} KiB | "
              f"{statistics.median(s) * 1000:.1f} ms | {percentile(s, 0.99) * 1000:.1f} ms | {max(s) * 1000:.1f} ms |")


if __name__ == "__main__":
    main()
