#!/usr/bin/env python3
"""Point-in-time recovery benchmark of issue #15: pgBackRest against the dump pipeline, in one run.

On postgres-backend's database filled by `pgbench -i` (the database of bench_backup.py):

- backup: `aegisctl pitr backup postgres-backend --type full`, then `--type diff` after a stretch
  of pgbench writes, against `pg_dump | gzip | age -r RECIPIENT > file` (time and bytes stored);
- RPO under a steady write load: one client commits a row at a time (each commit acknowledged
  and its id recorded) while archive_timeout_s is in force; then the instance is frozen
  (SIGSTOP of its process group: from that instant nothing more is written or archived), its
  data directory destroyed at once, and it is stopped. `aegisctl restore postgres-backend --to-latest` brings back
  what the archive holds; the acknowledged ids missing afterwards are the transactions lost;
- restore: that `--to-latest` restore (stop, pgBackRest restore, WAL replay, healthy) against the
  dump restore (`CREATE DATABASE …; age -d -i KEY file | gunzip | psql --single-transaction`).

One run of each; the figures are for the machine named in the output. Usage: scripts/bench_pitr.py [BIN_DIR] [--scale 70]
[--archive-timeout 60] [--load-seconds 150] [--idle-wait 600] [--keep]. Needs root, pgbench, pg_dump, psql, gzip,
age and pgbackrest. Prints a markdown report.
"""
import argparse, json, os, shlex, shutil, signal, subprocess, sys, tempfile, threading, time

import bench_backup
import benchlib
from bench_backup import GIB, MIB, Bench  # scripts/ is on sys.path
from benchlib import PG_BIN, run, set_key


class Writer(threading.Thread):
    """One client committing one row at a time, as an application does: each `INSERT … RETURNING
    id` is its own transaction, acknowledged when psql returns the id."""

    def __init__(self, bench):
        super().__init__(daemon=True)
        self.bench, self.acked, self.stopping = bench, [], threading.Event()

    def run(self):
        statement = "INSERT INTO rpo_probe DEFAULT VALUES RETURNING id"
        while not self.stopping.is_set():
            try:
                result = subprocess.run(["psql", "-X", "-q", "-At", "-d", self.bench.conninfo(), "-c", statement],
                                        capture_output=True, text=True, timeout=60)
            except subprocess.TimeoutExpired:
                continue  # the frozen server never answered: not acknowledged
            if result.returncode == 0 and result.stdout.strip().isdigit():
                self.acked.append((int(result.stdout.strip()), time.time()))
            time.sleep(0.02)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser()
    parser.add_argument("bin_dir", nargs="?", default=os.path.join(here, "..", ".build-static", "release"))
    parser.add_argument("--scale", type=int, default=70, help="pgbench scale (70 is about 1.03 GiB)")
    parser.add_argument("--archive-timeout", type=int, default=60, help="[pitr] archive_timeout_s")
    parser.add_argument("--load-seconds", type=int, default=150,
                        help="how long the write load runs before the loss (150: half an archive_timeout of 60 s after a forced switch)")
    parser.add_argument("--changes-seconds", type=int, default=30, help="pgbench writes between the full and the diff backup")
    parser.add_argument("--idle-wait", type=int, default=600,
                        help="seconds to wait for an idle machine before each measured step (a shared machine never is)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary state directory")
    args = parser.parse_args()
    bench_backup.wait_for_idle = lambda: benchlib.wait_for_idle(limit=args.idle_wait)
    bin_dir = os.path.abspath(args.bin_dir)
    for tool in ["pg_dump", "psql", "gzip", "gunzip", "age", "pgbackrest", f"{PG_BIN}/pgbench"]:
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is not installed")
    if os.geteuid() != 0:
        raise SystemExit("run as root: aegisd runs its services as the aegis user")
    root = tempfile.mkdtemp(prefix="aegisd-bench-pitr.")
    os.chmod(root, 0o755)  # traversable by the aegis user
    bench = Bench(bin_dir, root, args.scale)

    def log(message):
        print(f"# {message}", file=sys.stderr, flush=True)

    def timed(command, **kw):
        t0 = time.monotonic()
        out = run(command, **kw)
        return time.monotonic() - t0, out

    def pitr_status():
        return json.loads(run(bench.aegisctl("pitr", "status", "postgres-backend", "--json")))[0]

    def postmaster_pid():
        services = json.loads(run(bench.aegisctl("status", "--json")))["services"]
        return next(s["pid"] for s in services if s["name"] == "postgres-backend")

    def newest_backup(kind):
        return [b for b in pitr_status()["backups"] if b["type"] == kind][-1]

    try:
        bench.init()
        text = open(bench.config).read()
        text = set_key(text, "pitr", "archive_timeout_s", str(args.archive_timeout))
        # No scheduled base backup or drill inside the run.
        for key in ["full_schedule", "diff_schedule", "drill_schedule"]:
            text = set_key(text, "pitr", key, '""')
        open(bench.config, "w").write(text)
        bench.start()
        log(f"aegisd healthy; state in {root}; loading pgbench scale {args.scale}")
        load_s, db_size = bench.load("pgbench")
        log(f"loaded in {load_s:.0f} s: {db_size / GIB:.2f} GiB")
        deadline = time.monotonic() + 300
        while not pitr_status()["stanza_ready"]:
            if time.monotonic() > deadline:
                raise SystemExit("the stanza of postgres-backend was not ready after 300 s")
            time.sleep(1)

        # -- backups ----------------------------------------------------------------------
        bench.quiesce()
        full_s, _ = timed(bench.aegisctl("pitr", "backup", "postgres-backend", "--type", "full"))
        full = newest_backup("full")
        log(f"pgBackRest full backup: {full_s:.1f} s, {full['repositoryBytes']} bytes stored")
        shell_file = f"{root}/shell.sql.gz.age"
        shell_backup = (f"pg_dump {shlex.quote(bench.conninfo())} | gzip | age -r {bench.recipient} "
                        f"> {shlex.quote(shell_file)}")
        bench.quiesce()
        dump_s, _ = timed(["bash", "-o", "pipefail", "-c", shell_backup])
        dump_size = os.path.getsize(shell_file)
        log(f"pg_dump | gzip | age: {dump_s:.1f} s, {dump_size} bytes")

        written = "SELECT sum(n_tup_upd + n_tup_ins) FROM pg_stat_user_tables"
        before = int(bench.sql(written, database=bench.database) or 0)
        run([f"{PG_BIN}/pgbench", "-n", "-c", "2", "-T", str(args.changes_seconds), bench.conninfo()])
        changed = int(bench.sql(written, database=bench.database) or 0) - before
        bench.quiesce()
        diff_s, _ = timed(bench.aegisctl("pitr", "backup", "postgres-backend", "--type", "diff"))
        diff = newest_backup("diff")
        log(f"pgBackRest diff backup after {args.changes_seconds} s of pgbench: {diff_s:.1f} s, {diff['repositoryBytes']} bytes")

        # -- RPO under a steady write load ----------------------------------------------------
        bench.sql("CREATE TABLE rpo_probe (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())",
                  database=bench.database)
        writer = Writer(bench)
        writer.start()
        time.sleep(args.load_seconds)
        group = os.getpgid(postmaster_pid())
        os.killpg(group, signal.SIGSTOP)  # the loss: from here nothing is written or archived
        lost_at = time.time()
        writer.stopping.set()
        # Stopped at once and its files destroyed while it is frozen: left alone, aegisd would find
        # the frozen instance hung, restart it on its data directory, and the stanza check after
        # the restart would archive the very WAL this measures the loss of.
        subprocess.Popen(bench.aegisctl("stop", "postgres-backend"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        data_dir = f"{root}/data/postgres-backend"
        shutil.rmtree(data_dir)
        log(f"instance frozen after {len(writer.acked)} acknowledged commits, its data directory destroyed; stopping it")
        deadline = time.monotonic() + 120
        while any(p for p in os.listdir("/proc") if p.isdigit() and _in_group(int(p), group)):
            if time.monotonic() > deadline:
                raise SystemExit("the frozen instance was not stopped within 120 s")
            time.sleep(0.2)
        writer.join(timeout=30)
        acked = list(writer.acked)
        log("restoring --to-latest")
        restore_s, _ = timed(bench.aegisctl("restore", "postgres-backend", "--to-latest", "--yes"))
        restored = int(bench.sql("SELECT coalesce(max(id), 0) FROM rpo_probe", database=bench.database))
        lost = [(i, t) for i, t in acked if i > restored]
        lost_window = lost_at - lost[0][1] if lost else 0.0
        log(f"PITR restore --to-latest: {restore_s:.1f} s; {len(lost)} of {len(acked)} acknowledged commits lost "
            f"({lost_window:.1f} s of writes)")

        # -- the dump's restore ----------------------------------------------------------------
        bench.quiesce(vacuum=True)
        shell_restore = (f"psql -X -q -v ON_ERROR_STOP=1 -d {shlex.quote(bench.conninfo('postgres'))} "
                         f"-c 'CREATE DATABASE bench_restore OWNER {bench.role} TEMPLATE template0' && "
                         f"age -d -i {shlex.quote(bench.key)} {shlex.quote(shell_file)} | gunzip | "
                         f"psql -X -q -v ON_ERROR_STOP=1 --single-transaction -d {shlex.quote(bench.conninfo('bench_restore'))}")
        dump_restore_s, _ = timed(["bash", "-o", "pipefail", "-c", shell_restore])
        log(f"dump restore: {dump_restore_s:.1f} s")
    finally:
        bench.stop()
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)

    rate = len(acked) / args.load_seconds
    print(f"Database: postgres-backend's `{bench.database}` after `pgbench -i -q -s {args.scale}` "
          f"(loaded in {load_s:.0f} s): pg_database_size = {db_size:,} bytes ({db_size / GIB:.2f} GiB). "
          f"One run; machine: {os.cpu_count()} cores (load average {open('/proc/loadavg').read().split()[0]} at the end"
          + (f", busy with other work at {bench.busy_warnings} of the measured steps" if bench.busy_warnings else "")
          + "). pgBackRest compresses with lz4 and encrypts "
          f"(aes-256-cbc); the dump is gzip then age.")
    print()
    print("| measure | pgBackRest (aegisd PITR) | pg_dump \\| gzip \\| age | ratio (dump / PITR) |")
    print("|---|---|---|---|")
    print(f"| full backup time | {full_s:.1f} s | {dump_s:.1f} s | {dump_s / full_s:.2f} |")
    print(f"| full backup size | {full['repositoryBytes']:,} B ({full['repositoryBytes'] / MIB:.1f} MiB) "
          f"| {dump_size:,} B ({dump_size / MIB:.1f} MiB) | {dump_size / full['repositoryBytes']:.2f} |")
    print(f"| diff backup time (after {args.changes_seconds} s of `pgbench -c 2`, {int(changed or 0):,} rows "
          f"inserted or updated) | {diff_s:.1f} s | {dump_s:.1f} s (a new full dump) | {dump_s / diff_s:.2f} |")
    print(f"| diff backup size | {diff['repositoryBytes']:,} B ({diff['repositoryBytes'] / MIB:.1f} MiB) "
          f"| {dump_size:,} B | {dump_size / max(1, diff['repositoryBytes']):.1f} |")
    print(f"| restore after the data directory is lost (`--to-latest`: stop, restore, replay, healthy) vs the "
          f"dump's load into a new database | {restore_s:.1f} s | {dump_restore_s:.1f} s | {dump_restore_s / restore_s:.2f} |")
    print(f"| acknowledged commits lost (one client, {rate:.0f} commits/s for {args.load_seconds} s, "
          f"archive_timeout_s = {args.archive_timeout}) | {len(lost)} of {len(acked)} ({lost_window:.1f} s of writes) "
          f"| everything since the last dump (up to a day with the daily schedule) | |")
    print()
    print("Commands (STATE is the temporary state directory; BIN the build):")
    print()

    def strip(text):
        return text.replace(root, "STATE").replace(bin_dir, "BIN")
    print(f"- PITR backups: `{strip(shlex.join(bench.aegisctl('pitr', 'backup', 'postgres-backend', '--type', 'full')))}` (then `--type diff`)")
    print(f"- dump: `{strip(shell_backup)}`")
    print(f"- loss: SIGSTOP of the postmaster's process group, `aegisctl stop postgres-backend`, `rm -rf STATE/data/postgres-backend` at once")
    print(f"- PITR restore: `{strip(shlex.join(bench.aegisctl('restore', 'postgres-backend', '--to-latest', '--yes')))}`")
    print(f"- dump restore: `{strip(shell_restore)}`")


def _in_group(pid, group):
    try:
        return os.getpgid(pid) == group
    except OSError:
        return False


if __name__ == "__main__":
    main()
