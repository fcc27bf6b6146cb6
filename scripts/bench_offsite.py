#!/usr/bin/env python3
"""Off-host upload benchmark of issue #14: how long aegisd takes to copy a backup to object
storage, against `rclone copyto` of the same file to the same store, in one run.

A real S3-compatible store on loopback (SeaweedFS's `weed server -s3`, from the virtual
environment `make deps` fills, or WEED=path), and postgres-backend's database filled by
`pgbench -i` (scale 70: about 1 GiB, as in bench_backup.py). Each round:

- aegisd: `aegisctl backup postgres-backend` with `[offsite]` pointing at the store; timed from
  the moment the backup is reported done until its manifest records the off-host copy (the
  file's upload, the size and MD5 check against the store, the manifest's upload);
- rclone: `rclone copyto FILE store:bench/copy/NAME` of that same file, same configuration,
  same clean environment as aegisd gives it; timed around the command.

The sides alternate, each after an idle machine. Ratio: rclone time / aegisd time (above 1.0
aegisd is faster). Usage: scripts/bench_offsite.py [BIN_DIR] [--scale 70] [--runs 3] [--keep].
Needs root (children run as the `aegis` user), rclone and pgbench. Prints a markdown table.
"""
import argparse, json, os, re, shutil, signal, statistics, subprocess, sys, tempfile, time

from bench_backup import GIB, MIB, Bench  # scripts/ is on sys.path: this script is run from there
from benchlib import free_base, run, wait_for_idle

RCLONE_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "TZ": "UTC", "HOME": "/nonexistent"}


class Store:
    """SeaweedFS with its S3 gateway on free loopback ports and one identity."""

    def __init__(self, directory):
        here = os.path.dirname(os.path.abspath(__file__))
        self.weed = os.environ.get("WEED") or os.path.join(here, "..", ".build", "venv", "bin", "weed")
        if not os.access(self.weed, os.X_OK):
            raise SystemExit(f"SeaweedFS's weed is not at {self.weed}: run `make deps`, or set WEED")
        self.directory = directory
        os.makedirs(f"{directory}/data")
        self.secret = os.urandom(12).hex()
        with open(f"{directory}/identities.json", "w") as f:
            json.dump({"identities": [{"name": "aegis", "credentials": [{"accessKey": "bench", "secretKey": self.secret}],
                                       "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}, f)
        p = free_base(8)
        self.s3_port = p + 3
        log = open(f"{directory}/weed.log", "a")
        self.proc = subprocess.Popen([
            self.weed, "server", f"-dir={directory}/data", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            f"-master.port={p}", f"-volume.port={p + 1}", "-filer", f"-filer.port={p + 2}", "-s3",
            f"-s3.port={p + 3}", f"-s3.config={directory}/identities.json", "-master.volumeSizeLimitMB=1024",
            "-volume.max=16", f"-master.port.grpc={p + 4}", f"-volume.port.grpc={p + 5}",
            f"-filer.port.grpc={p + 6}", f"-s3.port.grpc={p + 7}", "-s3.port.iceberg=0", "-s3.port.lance=0",
        ], stdout=log, stderr=log)

    def write_rclone_config(self, path):
        with open(path, "w") as f:
            f.write(f"[store]\ntype = s3\nprovider = SeaweedFS\naccess_key_id = bench\n"
                    f"secret_access_key = {self.secret}\nendpoint = http://127.0.0.1:{self.s3_port}\n")
        os.chmod(path, 0o600)
        return path

    def wait_ready(self, config, timeout=120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"weed exited; see {self.directory}/weed.log")
            if subprocess.run(["rclone", "--config", config, "lsd", "store:"], env=RCLONE_ENV,
                              capture_output=True).returncode == 0:
                return
            time.sleep(0.25)
        raise SystemExit("SeaweedFS's S3 gateway did not answer")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=60)


def manifest_path(report):
    return re.sub(r"\.(sql|rdb)\.gz(\.age)?$", ".manifest.json", report["path"])


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser()
    parser.add_argument("bin_dir", nargs="?", default=os.path.join(here, "..", ".build-static", "release"))
    parser.add_argument("--scale", type=int, default=70, help="pgbench scale (70 is about 1.03 GiB)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directories")
    args = parser.parse_args()
    # A SIGTERM (timeout, Ctrl-C's cousin) still stops aegisd, its servers and the store below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped by SIGTERM"))
    if os.geteuid() != 0:
        raise SystemExit("run as root: aegisd runs its services as the aegis user")
    for tool in ["rclone", "psql"]:
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is not installed")
    bin_dir = os.path.abspath(args.bin_dir)
    root = tempfile.mkdtemp(prefix="aegisd-bench-offsite.")
    os.chmod(root, 0o755)
    store = Store(tempfile.mkdtemp(prefix="aegisd-bench-seaweed."))
    bench = Bench(bin_dir, root, args.scale)

    def log(message):
        print(f"# {message}", file=sys.stderr, flush=True)

    try:
        bench.init()
        rclone_config = store.write_rclone_config(f"{root}/rclone.conf")
        store.wait_ready(rclone_config)
        text = open(bench.config).read()
        text = re.sub(r'(\[offsite\][^\[]*?)^remote = ""', rf'\1remote = "store:bench/aegisd"', text, count=1, flags=re.M | re.S)
        text = re.sub(r'(\[offsite\][^\[]*?)^rclone_config = ""', rf'\1rclone_config = "{rclone_config}"', text,
                      count=1, flags=re.M | re.S)
        open(bench.config, "w").write(text)
        bench.start()
        log(f"aegisd healthy; state in {root}; loading pgbench scale {args.scale}")
        _, db_size = bench.load("pgbench")
        log(f"pg_database_size = {db_size / GIB:.2f} GiB")

        def settle():
            # Dirty pages written out, then an idle machine for 2 s, but not waiting longer than
            # a minute for it: both sides of a round see the same machine either way.
            bench.sql("CHECKPOINT")
            os.sync()
            if not wait_for_idle(60):
                busy.append(len(ours) + 1)

        ours, theirs, sizes, busy = [], [], [], []
        for i in range(args.runs):
            settle()
            report = json.loads(run(bench.aegisctl("backup", "postgres-backend", "--json")))[0]
            t0 = time.monotonic()
            manifest = manifest_path(report)
            deadline = t0 + 3600
            while time.monotonic() < deadline:
                with open(manifest) as f:
                    if json.load(f).get("offsite"):
                        break
                time.sleep(0.05)
            else:
                raise SystemExit(f"{report['name']} was not copied off the host within an hour; see {root}/aegisd.log")
            ours.append(time.monotonic() - t0)
            sizes.append(report["size"])
            log(f"aegisd upload {i + 1}: {ours[-1]:.2f} s for {report['size'] / MIB:.1f} MiB")

            settle()
            t0 = time.monotonic()
            subprocess.run(["rclone", "--config", rclone_config, "copyto", report["path"],
                            f"store:bench/copy/{report['name']}"], env=RCLONE_ENV, check=True, capture_output=True)
            theirs.append(time.monotonic() - t0)
            log(f"rclone copyto {i + 1}: {theirs[-1]:.2f} s")

        med = statistics.median
        print(f"Database: postgres-backend after `pgbench -i -s {args.scale}` ({db_size / GIB:.2f} GiB); "
              f"backup file {med(sizes) / MIB:.1f} MiB (median); store: SeaweedFS on loopback; {args.runs} rounds.")
        if busy:
            print()
            print(f"**Warning:** the machine was busy with other work before round(s) {sorted(set(busy))}; "
                  "those figures are distorted.")
        print()
        print("| measure | aegisd | rclone copyto | ratio (rclone / aegisd) |")
        print("|---|---|---|---|")
        print(f"| off-host copy of one backup, median of {args.runs} | {med(ours):.2f} s | {med(theirs):.2f} s "
              f"| {med(theirs) / med(ours):.2f} |")
        print(f"| off-host copy of one backup, min of {args.runs} | {min(ours):.2f} s | {min(theirs):.2f} s "
              f"| {min(theirs) / min(ours):.2f} |")
        print()
        print("Every round (s): aegisd " + ", ".join(f"{s:.2f}" for s in ours)
              + "; rclone copyto " + ", ".join(f"{s:.2f}" for s in theirs))
    finally:
        bench.stop()
        store.stop()
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
            shutil.rmtree(store.directory, ignore_errors=True)


if __name__ == "__main__":
    main()
