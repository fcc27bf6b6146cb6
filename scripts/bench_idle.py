#!/usr/bin/env python3
"""aegisd's idle cost, for one build or several side by side (alternating, on the same machine at
the same time): CPU in % of a core, RSS and private dirty memory, over SECONDS of idling with its
four children healthy and checked every second (Loki disabled: not installed here).

Usage: scripts/bench_idle.py BIN_DIR [BIN_DIR ...] [--rounds 2] [--seconds 60] [--together]
Each BIN_DIR holds a static release aegisd and aegisctl (make bench builds .build-static/release;
an older commit can be built the same way in a worktree of its own). Needs root (children run as
the `aegis` user). Prints a markdown table.

--together starts every build at once and measures them over the same SECONDS, the fairest
comparison on a machine others share (each round otherwise waits for 2 s of near-idleness and
runs the builds one after another).

A BIN_DIR written `DIR+pageout` is DIR with its executable's file-backed mappings paged out from
outside a minute after READY=1 (process_madvise MADV_PAGEOUT, as root): what aegisd's own release
of its start-up code (StartupCodeRelease) does, applied to a build that lacks it, for comparison.
Measure for more than a minute (--seconds 150) to see either.

A BIN_DIR written `DIR+health=MS` runs DIR with `[supervision] health_interval_ms = MS` instead of the
default 1000: what the health checks cost, by comparison with the same build at the default.

Besides RSS and private dirty memory, the table gives how much of the executable file is in the
page cache at the end (util-linux fincore): pages mapped or not, what the host keeps in memory
for it. Before each start the file's cached pages are dropped, so every build starts cold.
"""
import argparse, ctypes, os, re, shutil, subprocess, sys, threading

from bench import MIB, bench_idle, bench_ready  # scripts/ is on sys.path: this script is run from there
from benchlib import Notify, wait_for_idle


def drop_cached(path):
    """Drops the file's clean pages from the page cache (written ones after they reach the disk)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def cached_mib(path):
    out = subprocess.run(["fincore", "--bytes", "--noheadings", "--output", "RES", path],
                         capture_output=True, text=True, check=True).stdout
    return int(out.split()[0]) / MIB


def page_out_executable(pid):
    """MADV_PAGEOUT, from outside, of the read-only mappings of the process's executable that hold
    no anonymous page (the mappings StartupCodeRelease releases)."""
    exe = os.readlink(f"/proc/{pid}/exe")
    ranges, current, anonymous = [], None, 0
    for line in open(f"/proc/{pid}/smaps"):
        head = re.match(r"^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ \S+\s*(.*)$", line)
        if head:
            if current and anonymous == 0:
                ranges.append(current)
            perms = head.group(3)
            eligible = head.group(4) == exe and perms[0] == "r" and perms[1] == "-" and perms[3] == "p"
            current = (int(head.group(1), 16), int(head.group(2), 16)) if eligible else None
            anonymous = 0
        elif line.startswith("Anonymous:"):
            anonymous = int(line.split()[1])
    if current and anonymous == 0:
        ranges.append(current)
    libc = ctypes.CDLL(None, use_errno=True)
    pidfd = libc.syscall(434, pid, 0)  # pidfd_open
    if pidfd < 0:
        raise SystemExit(f"pidfd_open: {os.strerror(ctypes.get_errno())}")

    class IoVec(ctypes.Structure):
        _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]

    vec = (IoVec * len(ranges))(*[IoVec(start, end - start) for start, end in ranges])
    MADV_PAGEOUT = 21
    if libc.syscall(440, pidfd, vec, len(ranges), MADV_PAGEOUT, 0) < 0:  # process_madvise
        raise SystemExit(f"process_madvise: {os.strerror(ctypes.get_errno())}")
    os.close(pidfd)


def start(spec):
    bin_dir, *options = spec.split("+")
    pageout = "pageout" in options
    health = [int(o[len("health="):]) for o in options if o.startswith("health=")]
    root, daemon, _, _ = bench_ready(bin_dir, 1)  # an initialized state directory, daemon stopped
    if health:
        subprocess.run(["sed", "-i", f"s/^health_interval_ms = .*/health_interval_ms = {health[0]}/", f"{root}/aegisd.toml"],
                       check=True)
    drop_cached(f"{bin_dir}/aegisd")
    notify = Notify(f"{root}/notify-idle.sock")
    daemon.start(notify)
    return root, daemon, notify, pageout, f"{bin_dir}/aegisd"


def when_ready(started):
    root, daemon, notify, pageout, exe = started
    notify.when("READY=1")
    if pageout:  # when aegisd releases its own: a minute after READY=1 (StatusMonitorService)
        threading.Timer(60, page_out_executable, args=(daemon.proc.pid,)).start()


def row(spec, round_, started, figures):
    root, daemon, _, _, exe = started
    cpu, rss, peak, dirty, threads = figures
    cached = cached_mib(exe)
    daemon.stop()
    shutil.rmtree(root, ignore_errors=True)
    print(f"| {spec} | {round_ + 1} | {cpu:.2f} % | {rss:.1f} / {peak:.1f} MiB | {dirty:.1f} MiB | {cached:.1f} MiB | {threads} |",
          flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("bin_dirs", nargs="+")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--together", action="store_true")
    args = parser.parse_args()
    print(f"# load average at the start: {' '.join(open('/proc/loadavg').read().split()[:3])}", file=sys.stderr)
    print("| build | round | idle CPU (% of a core) | RSS (end / peak) | private dirty | executable cached | threads |")
    print("|---|---|---|---|---|---|---|")
    for round_ in range(args.rounds):
        if args.together:
            wait_for_idle(120)
            started = [start(spec) for spec in args.bin_dirs]
            for s in started:
                when_ready(s)
            # Every build measured over the same window: one thread each, started together.
            results = [None] * len(started)

            def measure(i):
                results[i] = bench_idle(started[i][1], args.seconds)

            threads = [threading.Thread(target=measure, args=(i,)) for i in range(len(started))]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            for spec, s, figures in zip(args.bin_dirs, started, results):
                row(spec, round_, s, figures)
        else:
            for spec in args.bin_dirs:
                wait_for_idle(120)
                s = start(spec)
                when_ready(s)
                row(spec, round_, s, bench_idle(s[1], args.seconds))
    print(f"# load average at the end: {' '.join(open('/proc/loadavg').read().split()[:3])}", file=sys.stderr)


if __name__ == "__main__":
    main()
