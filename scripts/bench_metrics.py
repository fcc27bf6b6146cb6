#!/usr/bin/env python3
"""Scrape benchmark of aegisd's /metrics, side by side with postgres_exporter + redis_exporter
scraping the same PostgreSQL and Redis, in one run.

For each endpoint: N scrapes one after another, each on a fresh connection (median and p99
latency), and the CPU time spent per scrape by the endpoint's process and by the database
servers (whose CPU the exporters' queries cost, while aegisd reads its figures on its own
schedule, every [metrics] collect_interval_s, whatever the scrape rate).

aegisd's one scrape covers three PostgreSQL instances and Redis; postgres_exporter is one
process per instance (here: postgres-ai only) and redis_exporter one per Redis.

Usage: scripts/bench_metrics.py BIN_DIR [--scrapes N]
Prints a markdown report. Needs root, a built aegisd, and the Debian packages
prometheus-postgres-exporter and prometheus-redis-exporter (make bench installs them).
"""
import argparse, http.client, os, shutil, signal, statistics, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import Daemon  # noqa: E402
from benchlib import Notify, free_base, sh, wait_for_idle  # noqa: E402


def cpu_seconds(pids):
    """User + system CPU of the given processes (children excluded)."""
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def database_pids(root):
    """Every PostgreSQL and Redis process of this state directory (postmasters, backends, workers)."""
    pids = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            cwd = os.readlink(f"/proc/{name}/cwd")
            with open(f"/proc/{name}/cmdline", "rb") as f:
                cmdline = f.read()
        except OSError:
            continue
        if cwd.startswith(root) or root.encode() in cmdline:
            comm = open(f"/proc/{name}/comm").read().strip()
            if comm.startswith("postgres") or comm.startswith("redis"):
                pids.append(int(name))
    return pids


def scrape(port, count, headers=None):
    """`count` GETs of /metrics, each on a new connection; returns the durations in seconds."""
    durations = []
    for _ in range(count):
        t0 = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/metrics", headers=headers or {})
        response = connection.getresponse()
        body = response.read()
        connection.close()
        durations.append(time.perf_counter() - t0)
        if response.status != 200 or not body:
            raise SystemExit(f"scrape of :{port} answered {response.status}")
    return durations


def wait_port(port, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            scrape(port, 1)
            return
        except (OSError, SystemExit):
            time.sleep(0.1)
    raise SystemExit(f"nothing answers on :{port}")


def body(port):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", "/metrics")
    return connection.getresponse().read().decode()


def measure(name, port, pids_of_endpoint, root, count, proof):
    # The endpoint must really read its database, or the comparison means nothing (aegisd's
    # first reading follows its services' health by up to collect_interval_s).
    deadline = time.monotonic() + 60
    while proof not in body(port):
        if time.monotonic() > deadline:
            raise SystemExit(f"{name}: no '{proof}' in its scrape; see {root}/exporters.log")
        time.sleep(0.5)
    wait_for_idle()
    scrape(port, 20)  # warm-up
    databases = database_pids(root)
    endpoint_before, db_before = cpu_seconds(pids_of_endpoint), cpu_seconds(databases)
    t0 = time.monotonic()
    durations = scrape(port, count)
    wall = time.monotonic() - t0
    endpoint_cpu = cpu_seconds(pids_of_endpoint) - endpoint_before
    db_cpu = cpu_seconds(database_pids(root)) - db_before
    durations.sort()
    return {
        "name": name, "median_ms": statistics.median(durations) * 1000,
        "p99_ms": durations[int(len(durations) * 0.99) - 1] * 1000,
        "cpu_ms": endpoint_cpu / count * 1000, "db_cpu_ms": db_cpu / count * 1000, "wall_s": wall,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("bin_dir")
    parser.add_argument("--scrapes", type=int, default=1000)
    args = parser.parse_args()
    root = tempfile.mkdtemp(prefix="aegisd-bench-metrics.")
    os.chmod(root, 0o755)
    base = free_base(9)
    sh(f"{args.bin_dir}/aegisd config init --root {root} --port-base {base}")
    sh(f"sed -i '/^\\[loki\\]/,/^\\[/ s/^enabled = true/enabled = false/' {root}/aegisd.toml")
    daemon = Daemon(args.bin_dir, root)
    notify = Notify(f"{root}/notify.sock")
    daemon.start(notify)
    notify.when("READY=1")
    exporters = []
    try:
        metrics_port, pg_port, redis_port = base + 6, base + 7, base + 8
        ai_port = int(sh(f"sed -n '/^\\[postgres.ai\\]/,/^\\[/ s/^port = //p' {root}/aegisd.toml").strip())
        user = sh(f"sed -n 's/^user = \"\\(.*\\)\"/\\1/p' {root}/aegisd.toml").split()[0]
        log = open(f"{root}/exporters.log", "a")
        # The superuser over the Unix socket, as aegisd reads its own figures.
        pg_env = dict(os.environ, DATA_SOURCE_NAME=f"host={root}/run/postgres-ai port={ai_port} user={user} dbname=aegis_ai sslmode=disable")
        exporters.append(subprocess.Popen(
            ["prometheus-postgres-exporter", f"--web.listen-address=127.0.0.1:{pg_port}"], env=pg_env, stdout=log, stderr=log))
        password = open(f"{root}/secrets/redis.password").read().strip()
        redis_env = dict(os.environ, REDIS_PASSWORD=password)
        exporters.append(subprocess.Popen(
            ["prometheus-redis-exporter", f"-redis.addr=unix://{root}/run/redis/redis.sock", "-redis.user=aegisd",
             f"-web.listen-address=127.0.0.1:{redis_port}"], env=redis_env, stdout=log, stderr=log))
        for port in (metrics_port, pg_port, redis_port):
            wait_port(port)
        results = [
            measure("aegisd `/metrics` (3 PostgreSQL + Redis + the rest)", metrics_port, [daemon.proc.pid], root, args.scrapes,
                    'aegis_database_collection_success{service="postgres-ai"} 1'),
            measure("postgres_exporter 0.11 (postgres-ai)", pg_port, [exporters[0].pid], root, args.scrapes, "pg_up 1"),
            measure("redis_exporter (redis)", redis_port, [exporters[1].pid], root, args.scrapes, "redis_up 1"),
        ]
        print(f"{args.scrapes} scrapes each, one after another, a new connection each.\n")
        print("| endpoint | median | p99 | endpoint CPU per scrape | database CPU per scrape |")
        print("|---|---|---|---|---|")
        for r in results:
            print(f"| {r['name']} | {r['median_ms']:.2f} ms | {r['p99_ms']:.2f} ms | {r['cpu_ms']:.2f} ms | {r['db_cpu_ms']:.2f} ms |")
    finally:
        for exporter in exporters:
            exporter.send_signal(signal.SIGTERM)
            exporter.wait(timeout=30)
        daemon.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
