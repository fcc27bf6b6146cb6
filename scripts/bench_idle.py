#!/usr/bin/env python3
"""aegisd's idle cost, for one build or several side by side (alternating, on the same machine at
the same time): CPU in % of a core, RSS and private dirty memory, over SECONDS of idling with its
four children healthy and checked every second (Loki disabled: not installed here).

Usage: scripts/bench_idle.py BIN_DIR [BIN_DIR ...] [--rounds 2] [--seconds 60]
Each BIN_DIR holds a static release aegisd and aegisctl (make bench builds .build-static/release;
an older commit can be built the same way in a worktree of its own). Needs root (children run as
the `aegis` user). Prints a markdown table.
"""
import argparse, shutil

from bench import bench_idle, bench_ready  # scripts/ is on sys.path: this script is run from there
from benchlib import Notify, wait_for_idle


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("bin_dirs", nargs="+")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()
    print("| build | round | idle CPU (% of a core) | RSS (end / peak) | private dirty | threads |")
    print("|---|---|---|---|---|---|")
    for round_ in range(args.rounds):
        for bin_dir in args.bin_dirs:
            wait_for_idle(120)
            root, daemon, _, _ = bench_ready(bin_dir, 1)  # an initialized state directory, daemon stopped
            notify = Notify(f"{root}/notify-idle.sock")
            daemon.start(notify)
            notify.when("READY=1")
            cpu, rss, peak, dirty, threads = bench_idle(daemon, args.seconds)
            daemon.stop()
            shutil.rmtree(root, ignore_errors=True)
            print(f"| {bin_dir} | {round_ + 1} | {cpu:.2f} % | {rss:.1f} / {peak:.1f} MiB | {dirty:.1f} MiB | {threads} |", flush=True)


if __name__ == "__main__":
    main()
