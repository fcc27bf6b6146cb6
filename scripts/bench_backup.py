#!/usr/bin/env python3
"""Backup and restore benchmark of issue #5: aegisd against the shell pipeline, in one run.

On a PostgreSQL database of at least 1 GiB (postgres-backend's, filled by `pgbench -i`, or with
`--dataset md5` by one table of hex digests, which gzip compresses slowly and little):

- backup: `aegisctl backup postgres-backend` vs `pg_dump | gzip | age -r RECIPIENT > file`;
- restore: `aegisctl restore postgres-backend latest` vs
  `CREATE DATABASE …; age -d -i KEY file | gunzip | psql --single-transaction`;
- aegisd's own peak RSS during the backups (VmRSS sampled every 50 ms, and VmHWM, which covers
  the whole life of the process) and the CPU time each side spends.

The two sides alternate (aegisd, shell, aegisd, shell, …) so that both see the same caches and
the same machine state. Ratios are shell time / aegisd time: above 1.0 aegisd is faster. Each
run starts after a CHECKPOINT on an idle machine; a pair of runs during which something else
used the CPU (another build or test suite on a shared machine) is discarded and repeated.

Usage: scripts/bench_backup.py [BIN_DIR] [--scale 70] [--runs 3] [--dataset pgbench|md5] [--keep]
BIN_DIR holds the static release aegisd and aegisctl (default .build-static/release).
Prints a markdown report. Needs root (children run as the `aegis` user), pgbench, pg_dump,
psql, gzip and age.
"""
import argparse, json, os, re, resource, shlex, shutil, statistics, subprocess, sys, tempfile, time
from collections import Counter

from benchlib import PG_BIN, RssSampler, busy_cpu, free_base, proc_cpu, proc_status, run, wait_for_idle  # scripts/ is on sys.path

GIB = 1 << 30
MIB = 1 << 20


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Bench:
    def __init__(self, bin_dir, root, scale):
        self.bin_dir, self.root, self.scale = bin_dir, root, scale
        self.config = f"{root}/aegisd.toml"
        self.socket = f"{root}/run/aegisd.sock"
        self.key = f"{root}/secrets/backup.agekey"
        self.proc = None
        self.busy_warnings = 0

    # -- aegisd ---------------------------------------------------------------------------

    def init(self):
        base = free_base()
        run([f"{self.bin_dir}/aegisd", "config", "init", "--root", self.root, "--port-base", str(base)])
        text = open(self.config).read()
        # Loki is not installed here; nothing else of the generated configuration is changed.
        text = re.sub(r"(\[loki\][^\[]*?)enabled = true", r"\1enabled = false", text, count=1)
        open(self.config, "w").write(text)
        recipients = re.search(r'^recipients = \[(.*)\]$', text, re.M).group(1)
        self.recipient = re.findall(r'"(age1[0-9a-z]+)"', recipients)[0]
        self.port = int(re.search(r'\[postgres\.backend\][^\[]*?^port = (\d+)$', text, re.M | re.S).group(1))
        self.database = re.search(r'\[postgres\.backend\][^\[]*?^database = "([^"]+)"$', text, re.M | re.S).group(1)
        self.role = re.search(r'\[postgres\.backend\][^\[]*?^user = "([^"]+)"$', text, re.M | re.S).group(1)
        self.pg_socket_dir = f"{self.root}/run/postgres-backend"

    def start(self):
        log = open(f"{self.root}/aegisd.log", "a")
        self.proc = subprocess.Popen([f"{self.bin_dir}/aegisd", "--config", self.config, "--stderr-log"],
                                     stdout=log, stderr=log)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"aegisd exited ({self.proc.returncode}); see {self.root}/aegisd.log")
            result = subprocess.run([f"{self.bin_dir}/aegisctl", "--socket", self.socket, "status", "--json"],
                                    capture_output=True, text=True)
            if result.returncode == 0:
                services = {s["name"]: s for s in json.loads(result.stdout)["services"]}
                if all(services.get(n, {}).get("healthy") for n in
                       ["postgres-backend", "postgres-ai", "postgres-executor"]):
                    self.postmaster = services["postgres-backend"]["pid"]
                    return
            time.sleep(0.5)
        raise SystemExit("postgres services not healthy after 300 s")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM: aegisd stops every service, then exits
            self.proc.wait(timeout=180)

    def aegisctl(self, *args):
        return [f"{self.bin_dir}/aegisctl", "--socket", self.socket, *args]

    # -- PostgreSQL -----------------------------------------------------------------------

    def conninfo(self, database=None):
        # The superuser over the Unix socket: peer authentication maps root to it.
        return f"host={self.pg_socket_dir} port={self.port} user=aegis dbname={database or self.database}"

    def sql(self, statement, database="postgres"):
        return run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", self.conninfo(database),
                    "-c", statement]).strip()

    def load(self, dataset):
        t0 = time.monotonic()
        if dataset == "pgbench":
            run([f"{PG_BIN}/pgbench", "-i", "-q", "-s", str(self.scale), self.conninfo()])
            self.loaded_by = f"`pgbench -i -q -s {self.scale}` (logged tables)"
        else:
            # Hex digests: gzip gets about 1.8:1 at ~20 MB/s on one core, where pgbench's blank-padded
            # rows give 35:1 at ~160 MB/s. The case where compression, not PostgreSQL, is the work.
            rows = self.scale * 110_000
            statement = (f"CREATE TABLE bench_md5 (id int PRIMARY KEY, a text NOT NULL, b text NOT NULL); "
                         f"INSERT INTO bench_md5 SELECT g, md5(g::text) || md5((-g)::text), md5((g * 7)::text) "
                         f"FROM generate_series(1, {rows}) g; VACUUM ANALYZE bench_md5")
            command = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", self.conninfo()]
            for part in statement.split("; "):
                command += ["-c", part]
            run(command)
            self.loaded_by = f"`{statement}`"
        seconds = time.monotonic() - t0
        size = int(self.sql(f"SELECT pg_database_size('{self.database}')"))
        return seconds, size

    def drop_kept_databases(self):
        for name in self.sql(f"SELECT datname FROM pg_database WHERE datname LIKE '{self.database}\\_pre\\_restore\\_%'"
                             ).split():
            self.sql(f'DROP DATABASE "{name}" WITH (FORCE)')

    def quiesce(self, vacuum=False):
        """The same starting point before each measured run: the live database vacuumed and
        analyzed (after a restore, so autovacuum does not start in the middle of the next run), no
        autovacuum at work, dirty pages written out, and the machine otherwise idle."""
        if vacuum:
            self.sql("VACUUM ANALYZE", database=self.database)
        deadline = time.monotonic() + 600
        while (self.sql("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'") != "0"
               and time.monotonic() < deadline):
            time.sleep(0.5)
        self.sql("CHECKPOINT")
        os.sync()
        if not wait_for_idle():
            self.busy_warnings += 1


def children(pid):
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        return set(f.read().split())


def settle(postmaster, before, timeout=10):
    """Waits until the backends that started during a run have ended and been reaped, so that
    their CPU time is in the postmaster's (a client's exit does not wait for its backend's)."""
    deadline = time.monotonic() + timeout
    while children(postmaster) - before and time.monotonic() < deadline:
        time.sleep(0.01)


class Run:
    """One measured command: wall time, aegisd's peak VmRSS, and where the CPU time went."""

    def __init__(self, cmd, pid, postmaster):
        own0, reaped0 = proc_cpu(pid)
        kids0 = children_cpu()
        server0 = proc_cpu(postmaster)[1]
        before = children(postmaster)
        with RssSampler(pid) as rss:
            t0, machine0 = time.monotonic(), busy_cpu()
            self.out = run(cmd)
            self.seconds = time.monotonic() - t0
            self.machine_cpu = busy_cpu() - machine0
        own1, reaped1 = proc_cpu(pid)
        settle(postmaster, before)
        self.rss = rss.peak
        self.aegisd_cpu = own1 - own0  # aegisd's own threads (gzip, age, SHA-256, pumps)
        self.aegisd_children_cpu = reaped1 - reaped0  # pg_dump or psql, run by aegisd
        self.script_children_cpu = children_cpu() - kids0  # the shell pipeline's processes
        # PostgreSQL backends that ended during the run (the one serving pg_dump or psql, aegisd's
        # own sessions), reaped by the postmaster.
        self.server_cpu = proc_cpu(postmaster)[1] - server0
        # What the machine did besides: PostgreSQL's background processes (WAL writer,
        # checkpointer), the kernel's threads, and anything else running on the machine, which
        # would distort the comparison.
        self.other_cpu = max(0.0, self.machine_cpu - (self.aegisd_cpu + self.aegisd_children_cpu
                                                      + self.script_children_cpu + self.server_cpu))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser()
    parser.add_argument("bin_dir", nargs="?", default=os.path.join(here, "..", ".build-static", "release"))
    parser.add_argument("--scale", type=int, default=70, help="pgbench scale (70 is about 1.03 GiB)")
    parser.add_argument("--dataset", choices=["pgbench", "md5"], default="pgbench",
                        help="pgbench's tables (very compressible), or one table of hex digests (scale x 110,000 "
                             "rows), where compression dominates")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--min-size", type=float, default=1.0, help="fail below this database size, GiB")
    parser.add_argument("--retries", type=int, default=3,
                        help="times a pair of runs is repeated when other work on the machine disturbed it")
    parser.add_argument("--keep", action="store_true", help="keep the temporary state directory")
    args = parser.parse_args()
    bin_dir = os.path.abspath(args.bin_dir)
    for tool in ["pg_dump", "psql", "gzip", "gunzip", "age", f"{PG_BIN}/pgbench"]:
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is not installed")
    if os.geteuid() != 0:
        raise SystemExit("run as root: aegisd runs its services as the aegis user")

    tmp = tempfile.gettempdir()
    free = shutil.disk_usage(tmp).free
    need = 4 * GIB * max(1, args.scale) // 70
    if free < need:
        raise SystemExit(f"{free / GIB:.1f} GiB free in {tmp}; this needs about {need / GIB:.1f} GiB")
    root = tempfile.mkdtemp(prefix="aegisd-bench-backup.")
    os.chmod(root, 0o755)  # traversable by the aegis user
    bench = Bench(bin_dir, root, args.scale)

    def log(message):
        print(f"# {message}", file=sys.stderr, flush=True)

    def describe(r, what):
        return (f"{r.seconds:.2f} s; CPU s: aegisd {r.aegisd_cpu:.1f}, its {what} {r.aegisd_children_cpu:.1f}, "
                f"shell {r.script_children_cpu:.1f}, postgres backends {r.server_cpu:.1f}, "
                f"rest of the machine {r.other_cpu:.1f} (load {open('/proc/loadavg').read().split()[0]}); "
                f"aegisd peak VmRSS {r.rss / MIB:.1f} MiB")

    discarded = []

    def disturbed(r):
        """Other work on the machine during a run (another build, a test suite): more CPU time
        outside the measured processes than PostgreSQL's own background writers account for."""
        return r.other_cpu > 0.3 + 0.12 * r.seconds

    try:
        bench.init()
        bench.start()
        pid, postmaster = bench.proc.pid, bench.postmaster
        log(f"aegisd pid {pid} healthy; state in {root}; loading the {args.dataset} data set, scale {args.scale}")
        load_s, db_size = bench.load(args.dataset)
        log(f"loaded in {load_s:.0f} s: pg_database_size = {db_size} bytes ({db_size / GIB:.2f} GiB)")
        if db_size < args.min_size * GIB:
            raise SystemExit(f"the database is {db_size / GIB:.2f} GiB, below {args.min_size} GiB: raise --scale")
        hwm_before = proc_status(pid, "VmHWM")
        rss_before = proc_status(pid, "VmRSS")

        shell_file = f"{root}/shell.sql.gz.age"
        backup_cmd = bench.aegisctl("backup", "postgres-backend", "--json")
        shell_backup = (f"pg_dump {shlex.quote(bench.conninfo())} | gzip | age -r {bench.recipient} "
                        f"> {shlex.quote(shell_file)}")

        ours, theirs, made = [], [], []
        for i in range(args.runs):
            for attempt in range(1 + args.retries):
                bench.quiesce()
                a = Run(backup_cmd, pid, postmaster)
                made.append(json.loads(a.out)[0])
                log(f"aegisd backup {i + 1}: {describe(a, 'pg_dump')}; {made[-1]['size']} bytes")
                # Only the newest backup is kept (disk); it is the one the restores use.
                for older in made[:-1]:
                    if os.path.exists(older["path"]):
                        os.unlink(older["path"])
                bench.quiesce()
                b = Run(["bash", "-o", "pipefail", "-c", shell_backup], pid, postmaster)
                b.size = os.path.getsize(shell_file)
                log(f"shell backup {i + 1}: {describe(b, 'pg_dump')}; {b.size} bytes")
                if not (disturbed(a) or disturbed(b)) or attempt == args.retries:
                    break
                discarded.append(f"backup pair {i + 1}")
                log(f"discarded backup pair {i + 1}: other work on the machine during it; again")
            ours.append(a)
            theirs.append(b)
        hwm_after_backups = proc_status(pid, "VmHWM")

        restore_cmd = bench.aegisctl("restore", "postgres-backend", "latest", "--yes", "--identity", bench.key,
                                     "--json")

        def shell_restore(n):
            target = f"bench_restore_{n}"
            return (f"psql -X -q -v ON_ERROR_STOP=1 -d {shlex.quote(bench.conninfo('postgres'))} "
                    f"-c 'CREATE DATABASE {target} OWNER {bench.role} TEMPLATE template0' && "
                    f"age -d -i {shlex.quote(bench.key)} {shlex.quote(shell_file)} | gunzip | "
                    f"psql -X -q -v ON_ERROR_STOP=1 --single-transaction -d {shlex.quote(bench.conninfo(target))}")

        rours, rtheirs = [], []
        attempts = 0
        for i in range(args.runs):
            for attempt in range(1 + args.retries):
                attempts += 1
                bench.quiesce(vacuum=True)
                a = Run(restore_cmd, pid, postmaster)
                log(f"aegisd restore {i + 1}: {describe(a, 'psql')}")
                bench.drop_kept_databases()
                bench.quiesce(vacuum=True)
                b = Run(["bash", "-o", "pipefail", "-c", shell_restore(attempts)], pid, postmaster)
                log(f"shell restore {i + 1}: {describe(b, 'psql')}")
                bench.sql(f"DROP DATABASE bench_restore_{attempts} WITH (FORCE)")
                if not (disturbed(a) or disturbed(b)) or attempt == args.retries:
                    break
                discarded.append(f"restore pair {i + 1}")
                log(f"discarded restore pair {i + 1}: other work on the machine during it; again")
            rours.append(a)
            rtheirs.append(b)
        hwm_end = proc_status(pid, "VmHWM")
        restored_size = int(bench.sql(f"SELECT pg_database_size('{bench.database}')"))
    finally:
        bench.stop()
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)

    med, n = statistics.median, args.runs

    def row(what, a, b):
        ta, tb = [r.seconds for r in a], [r.seconds for r in b]
        print(f"| {what}, median of {n} | {med(ta):.2f} s | {med(tb):.2f} s | {med(tb) / med(ta):.2f} |")
        print(f"| {what}, min of {n} | {min(ta):.2f} s | {min(tb):.2f} s | {min(tb) / min(ta):.2f} |")

    def cpu(runs, attr):
        return med([getattr(r, attr) for r in runs])

    print(f"Database: postgres-backend's `{bench.database}` after {bench.loaded_by} "
          f"(loaded in {load_s:.0f} s): pg_database_size = {db_size:,} bytes "
          f"({db_size / GIB:.2f} GiB); the plain dump is {made[-1]['plain_size']:,} bytes "
          f"({made[-1]['plain_size'] / MIB:,.0f} MiB). Machine: {os.cpu_count()} cores.")
    print()
    if discarded:
        print("Discarded and repeated because other work ran on the machine meanwhile: "
              + ", ".join(what + (f" ({count} times)" if count > 1 else "") for what, count in Counter(discarded).items())
              + ".")
        print()
    if bench.busy_warnings:
        print(f"**Warning: {bench.busy_warnings} of the runs started on a machine busy with other work; "
              "see the rest-of-the-machine CPU below.**")
        print()
    print("| measure | aegisd | shell pipeline | ratio (shell / aegisd) |")
    print("|---|---|---|---|")
    row("backup", ours, theirs)
    row("restore", rours, rtheirs)
    print(f"| backup file size (last run) | {made[-1]['size']:,} B ({made[-1]['size'] / MIB:.1f} MiB) "
          f"| {theirs[-1].size:,} B ({theirs[-1].size / MIB:.1f} MiB) | {theirs[-1].size / made[-1]['size']:.3f} |")
    print(f"| CPU s per backup, median: client side (aegisd + its pg_dump / pg_dump + gzip + age) "
          f"| {cpu(ours, 'aegisd_cpu'):.1f} + {cpu(ours, 'aegisd_children_cpu'):.1f} "
          f"| {cpu(theirs, 'script_children_cpu'):.1f} | |")
    print(f"| CPU s per backup, median: the PostgreSQL backends | {cpu(ours, 'server_cpu'):.1f} "
          f"| {cpu(theirs, 'server_cpu'):.1f} | |")
    print(f"| CPU s per restore, median: client side (aegisd + its psql / age + gunzip + psql) "
          f"| {cpu(rours, 'aegisd_cpu'):.1f} + {cpu(rours, 'aegisd_children_cpu'):.1f} "
          f"| {cpu(rtheirs, 'script_children_cpu'):.1f} | |")
    print(f"| CPU s per restore, median: the PostgreSQL backends | {cpu(rours, 'server_cpu'):.1f} "
          f"| {cpu(rtheirs, 'server_cpu'):.1f} | |")
    print(f"| CPU s of the rest of the machine per backup / per restore, median (idle: near 0; WAL "
          f"writer and checkpointer in restores) | {cpu(ours, 'other_cpu'):.1f} / {cpu(rours, 'other_cpu'):.1f} "
          f"| {cpu(theirs, 'other_cpu'):.1f} / {cpu(rtheirs, 'other_cpu'):.1f} | |")
    print(f"| aegisd peak VmRSS during the backups (sampled every 50 ms), max of {n} "
          f"| {max(r.rss for r in ours) / MIB:.1f} MiB | | |")
    print(f"| aegisd peak VmRSS during the restores, max of {n} | {max(r.rss for r in rours) / MIB:.1f} MiB | | |")
    print(f"| aegisd VmRSS before the first backup | {rss_before / MIB:.1f} MiB | | |")
    print(f"| aegisd VmHWM (whole life): before the backups / after them / at the end "
          f"| {hwm_before / MIB:.1f} / {hwm_after_backups / MIB:.1f} / {hwm_end / MIB:.1f} MiB | | |")
    print()
    print("Every run, in order (s): backups, aegisd " + ", ".join(f"{r.seconds:.2f}" for r in ours)
          + "; shell " + ", ".join(f"{r.seconds:.2f}" for r in theirs)
          + ". Restores, aegisd " + ", ".join(f"{r.seconds:.2f}" for r in rours)
          + "; shell " + ", ".join(f"{r.seconds:.2f}" for r in rtheirs)
          + f". The database after the restores: {restored_size / GIB:.2f} GiB.")
    print()
    print("CPU s of the rest of the machine during each of those runs, same order: "
          + "; ".join(", ".join(f"{r.other_cpu:.1f}" for r in runs) for runs in [ours, theirs, rours, rtheirs]) + ".")
    print()
    print("Commands (STATE is the temporary state directory; the shell sides run under `bash -o pipefail -c`):")
    print()

    def strip(text):
        return text.replace(root, "STATE").replace(bin_dir, "BIN")
    print(f"- aegisd backup: `{strip(shlex.join(backup_cmd))}`")
    print(f"- shell backup: `{strip(shell_backup)}`")
    print(f"- aegisd restore: `{strip(shlex.join(restore_cmd))}`")
    print(f"- shell restore: `{strip(shell_restore('N'))}`")


if __name__ == "__main__":
    main()
