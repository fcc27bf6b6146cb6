#!/usr/bin/env python3
"""Benchmarks of the supervision foundation, side by side with the usual alternative, in one run.

1. Start to READY=1 on an initialized state directory, vs a shell script that starts the same
   servers one after another (pg_ctl start -w x3, redis-server).
2. kill -9 of a postmaster until aegisd reports it healthy again (median and max of N), vs
   `pg_ctl start -w` after the same kill -9 (what a script or a naive supervisor would do).
3. aegisd's own RSS and CPU while idle for 60 s (children excluded).

Usage: scripts/bench.py BIN_DIR [--runs N] [--idle SECONDS]
Prints a markdown report. Needs root (children run as the `aegis` user) and a built aegisd.
"""
import argparse, json, os, shutil, signal, statistics, subprocess, tempfile, time

from benchlib import PG_BIN, Notify, cpu_seconds, free_base, proc_status, sh  # scripts/ is on sys.path

MIB = 1 << 20


class Daemon:
    def __init__(self, bin_dir, root):
        self.bin_dir, self.root = bin_dir, root
        self.config = f"{root}/aegisd.toml"
        self.proc = None

    def start(self, notify):
        env = dict(os.environ, NOTIFY_SOCKET=notify.path)
        log = open(f"{self.root}/aegisd.log", "a")
        t0 = time.monotonic()
        self.proc = subprocess.Popen([f"{self.bin_dir}/aegisd", "--config", self.config, "--stderr-log"],
                                     env=env, stdout=log, stderr=log)
        return t0

    def status(self):
        out = sh(f"{self.bin_dir}/aegisctl --config {self.config} status --json")
        return {s["name"]: s for s in json.loads(out)["services"]}

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=120)


def bench_ready(bin_dir, runs):
    """Returns (aegisd ready times, sequential script times) in seconds."""
    root = tempfile.mkdtemp(prefix="aegisd-bench.")
    os.chmod(root, 0o755)
    base = free_base()
    sh(f"{bin_dir}/aegisd config init --root {root} --port-base {base}")
    # Loki is left out of both sides (it is not installed here).
    sh(f"sed -i '/^\\[loki\\]/,/^\\[/ s/^enabled = true/enabled = false/' {root}/aegisd.toml")
    # Each kill -9 below is measured as a lone failure (the first of a streak, restarted at
    # once), not as the 20th in a row that the circuit breaker is there to stop.
    sh(f"sed -i 's/^restart_stable_after_s = .*/restart_stable_after_s = 1/; "
       f"s/^restart_max_failures = .*/restart_max_failures = 1000/' {root}/aegisd.toml")
    daemon = Daemon(bin_dir, root)
    # First start: initdb x3, then stop: the state directory is now initialized.
    notify = Notify(f"{root}/notify0.sock")
    daemon.start(notify)
    notify.when("READY=1")
    daemon.stop()
    ours = []
    for i in range(runs):
        notify = Notify(f"{root}/notify{i + 1}.sock")
        t0 = daemon.start(notify)
        ours.append(notify.when("READY=1") - t0)
        daemon.stop()
    # The same servers from the same data directories, started one after another by a script.
    script = f"{root}/sequential.sh"
    redis_conf = f"{root}/conf/redis/redis.conf"
    with open(script, "w") as f:
        f.write("set -e\n")
        for name in ["postgres-backend", "postgres-ai", "postgres-executor"]:
            f.write(f"{PG_BIN}/pg_ctl start -w -s -D {root}/data/{name} -l {root}/data/{name}/pgctl.log "
                    f"-o '-c config_file={root}/conf/{name}/postgresql.conf'\n")
        f.write(f"redis-server {redis_conf} --daemonize yes\n")
        f.write(f"until redis-cli -s {root}/run/redis/redis.sock ping 2>/dev/null | grep -q -e PONG -e NOAUTH; do sleep 0.01; done\n")
    os.chmod(script, 0o755)
    theirs = []
    for _ in range(runs):
        t0 = time.monotonic()
        subprocess.run(["setpriv", "--reuid=aegis", "--regid=aegis", "--clear-groups", "sh", script], check=True,
                       capture_output=True)
        theirs.append(time.monotonic() - t0)
        for name in ["postgres-backend", "postgres-ai", "postgres-executor"]:
            subprocess.run(["setpriv", "--reuid=aegis", "--regid=aegis", "--clear-groups", f"{PG_BIN}/pg_ctl", "stop",
                            "-w", "-s", "-m", "fast", "-D", f"{root}/data/{name}"], check=True, capture_output=True)
        pid = int(open(f"{root}/run/redis/redis.pid").read())
        os.kill(pid, signal.SIGTERM)
        while os.path.exists(f"/proc/{pid}"):
            time.sleep(0.01)
    return root, daemon, ours, theirs


def bench_recovery(root, daemon, runs):
    notify = Notify(f"{root}/notify-recovery.sock")
    daemon.start(notify)
    notify.when("READY=1")
    ours = []
    for _ in range(runs):
        pid = daemon.status()["postgres-ai"]["pid"]
        t0 = time.monotonic()
        os.kill(pid, signal.SIGKILL)
        while True:
            s = daemon.status()["postgres-ai"]
            if s["healthy"] and s["pid"] != pid:
                ours.append(time.monotonic() - t0)
                break
            time.sleep(0.005)
        time.sleep(1.2)  # past restart_stable_after_s
    return notify, ours


def bench_pg_ctl_recovery(root, runs):
    """The usual alternative: after kill -9, `pg_ctl start -w` (retried while it fails) until the
    server accepts connections."""
    data = f"{root}/data/postgres-ai"
    conf = f"-c config_file={root}/conf/postgres-ai/postgresql.conf"
    asaegis = ["setpriv", "--reuid=aegis", "--regid=aegis", "--clear-groups"]
    subprocess.run(asaegis + [f"{PG_BIN}/pg_ctl", "start", "-w", "-s", "-D", data, "-l", f"{data}/pgctl.log", "-o", conf],
                   check=True, capture_output=True)
    times = []
    for _ in range(runs):
        pid = int(open(f"{data}/postmaster.pid").readline())
        t0 = time.monotonic()
        os.kill(pid, signal.SIGKILL)
        # The orphaned backends still hold the shared memory until they notice their postmaster
        # died, and until then a new postmaster refuses to start: retry as a shell loop would.
        while subprocess.run(asaegis + [f"{PG_BIN}/pg_ctl", "start", "-w", "-s", "-D", data, "-l", f"{data}/pgctl.log",
                                        "-o", conf], capture_output=True).returncode != 0:
            time.sleep(0.05)
        times.append(time.monotonic() - t0)
    subprocess.run(asaegis + [f"{PG_BIN}/pg_ctl", "stop", "-w", "-s", "-m", "fast", "-D", data], check=True,
                   capture_output=True)
    return times


def bench_idle(daemon, seconds):
    """aegisd's own CPU (% of a core), RSS and private dirty memory (MiB), and its threads, while its four children
    are healthy and nothing happens. Private dirty is what aegisd alone costs the machine: RSS
    also counts the pages of the executable and libraries it shares with the page cache."""
    pid = daemon.proc.pid

    def rss():
        return proc_status(pid, "VmRSS") / MIB

    def private_dirty():
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Private_Dirty:"):
                    return int(line.split()[1]) * 1024 / MIB
        return float("nan")

    time.sleep(2)
    c0, t0 = cpu_seconds(pid), time.monotonic()
    peak = 0
    while time.monotonic() - t0 < seconds:
        peak = max(peak, rss())
        time.sleep(1)
    cpu = (cpu_seconds(pid) - c0) / (time.monotonic() - t0) * 100
    end = rss()
    threads = len(os.listdir(f"/proc/{pid}/task"))
    return cpu, end, max(peak, end), private_dirty(), threads


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("bin_dir")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--ready-runs", type=int, default=5)
    parser.add_argument("--idle", type=int, default=60)
    args = parser.parse_args()

    root, daemon, ready_ours, ready_theirs = bench_ready(args.bin_dir, args.ready_runs)
    pg_ctl = bench_pg_ctl_recovery(root, args.runs)
    notify, recovery = bench_recovery(root, daemon, args.runs)
    cpu, rss, peak, dirty, threads = bench_idle(daemon, args.idle)
    daemon.stop()
    shutil.rmtree(root, ignore_errors=True)

    med = statistics.median
    print("| measure | aegisd | usual alternative | ratio (aegisd / alternative) |")
    print("|---|---|---|---|")
    print(f"| start to READY=1, initialized, median of {args.ready_runs} | {med(ready_ours) * 1000:.0f} ms "
          f"| {med(ready_theirs) * 1000:.0f} ms (pg_ctl start -w x3 + redis-server, one after another) "
          f"| {med(ready_ours) / med(ready_theirs):.2f} |")
    print(f"| kill -9 of a postmaster to healthy, median of {args.runs} | {med(recovery) * 1000:.0f} ms "
          f"| {med(pg_ctl) * 1000:.0f} ms (pg_ctl start -w, retried, after kill -9) | {med(recovery) / med(pg_ctl):.2f} |")
    print(f"| kill -9 of a postmaster to healthy, max of {args.runs} | {max(recovery) * 1000:.0f} ms "
          f"| {max(pg_ctl) * 1000:.0f} ms | {max(recovery) / max(pg_ctl):.2f} |")
    print(f"| aegisd idle CPU over {args.idle} s (4 children, health every 1 s) | {cpu:.2f} % of a core | | |")
    print(f"| aegisd idle RSS (end / peak) | {rss:.1f} / {peak:.1f} MiB | | |")
    print(f"| aegisd idle private dirty memory | {dirty:.1f} MiB | | |")
    print(f"| aegisd threads | {threads} | | |")


if __name__ == "__main__":
    main()
