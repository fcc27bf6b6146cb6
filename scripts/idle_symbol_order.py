#!/usr/bin/env python3
"""The functions an idle aegisd runs, as a symbol ordering file for lld (--symbol-ordering-file).

Samples a running aegisd with `perf record` (software clock, 20 kHz, frame-pointer call chains)
over SECONDS, keeps every function of aegisd's own executable seen in a sample or in a sample's
call chain, and writes them hottest first, one mangled name a line. Run on an aegisd that is
idle (READY=1 sent, four healthy children, nothing asked of it): start-up code must not be in
the list, or it is packed with the idle loop's and the point is lost. Merges with an existing
OUTPUT (--merge), so profiles of several runs add up: a function run once a second for a few
microseconds may escape one run's samples.

With --faults, the executable's code is first paged out of the process (as bench_idle.py's
`+pageout` does) and every page fault is recorded instead of clock samples: each function that
runs in the following SECONDS and lies on a page no longer mapped is caught, however briefly it
runs (a function next to one already faulted back in escapes, so run it again after relinking).

Usage (root): scripts/idle_symbol_order.py PID OUTPUT [--seconds 300] [--merge] [--faults]
See docs/benchmarks.md, "Idle cost: the idle loop's code packed together".
"""
import argparse, collections, os, subprocess, tempfile

from bench_idle import page_out_executable  # scripts/ is on sys.path: this script is run from there


def sampled_functions(pid, seconds, faults):
    """{mangled name: number of samples it was in} for aegisd's own executable."""
    exe = os.readlink(f"/proc/{pid}/exe")
    if faults:
        # Every page of the code out of the process's page tables: the first call of a function
        # afterwards faults, and the fault names it, however rarely and briefly it runs.
        page_out_executable(pid)
        event = ["-e", "page-faults", "-c", "1"]
    else:
        event = ["-F", "20000"]
    with tempfile.TemporaryDirectory() as tmp:
        data = f"{tmp}/perf.data"
        subprocess.run(["perf", "record", "-q", *event, "--call-graph", "fp", "-p", str(pid),
                        "-o", data, "--", "sleep", str(seconds)], check=True, stdout=subprocess.DEVNULL)
        script = subprocess.run(["perf", "script", "--no-demangle", "-i", data, "-F", "ip,sym,dso"],
                                capture_output=True, text=True, check=True).stdout
    counts, seen_in_sample = collections.Counter(), set()
    for line in script.splitlines():
        if not line.strip():  # a blank line ends one sample's call chain
            counts.update(seen_in_sample)
            seen_in_sample = set()
            continue
        parts = line.split(None, 1)
        if len(parts) != 2 or not parts[1].endswith(f"({exe})"):
            continue
        name = parts[1][: -len(f" ({exe})")]
        if name and name != "[unknown]":
            seen_in_sample.add(name)
    counts.update(seen_in_sample)
    return counts


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("pid", type=int)
    parser.add_argument("output")
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--merge", action="store_true", help="add to the functions already in OUTPUT")
    parser.add_argument("--faults", action="store_true",
                        help="page the code out first and record page faults instead of sampling the clock")
    args = parser.parse_args()
    counts = sampled_functions(args.pid, args.seconds, args.faults)
    if args.merge and os.path.exists(args.output):
        # The names already listed keep their order, ahead of every new one; those the
        # executable no longer defines (renamed or changed functions) are dropped.
        defined = set(subprocess.run(["nm", "--format=just-symbols", os.readlink(f"/proc/{args.pid}/exe")],
                                     capture_output=True, text=True, check=True).stdout.split())
        previous = [line.strip() for line in open(args.output)
                    if line.strip() and not line.startswith("#") and line.strip() in defined]
        for rank, name in enumerate(previous):
            counts[name] += len(previous) - rank + 1_000_000
    names = [name for name, _ in counts.most_common()]
    with open(args.output, "w") as f:
        f.write("\n".join(names) + "\n")
    print(f"{len(names)} functions written to {args.output}")


if __name__ == "__main__":
    main()
