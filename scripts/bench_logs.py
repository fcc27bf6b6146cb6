#!/usr/bin/env python3
"""Log pipeline benchmark of issue #7: one child's stdout through aegisd to Loki and journald.

A child writes N lines as fast as it can (`seq -f …`, a C program: the fastest writer there is)
on its stdout. It runs as aegisd's `loki` service: `loki.binary` points at a small script that
answers `-version` like Loki and otherwise, once aegisd is up and the machine idle (a `go` file
appears), writes the lines, notes when it started and finished, and sleeps. A Loki stand-in in this script (Loki's push API: gzip JSON, 204) listens on
`loki.http_port`, answers `/ready`, and counts the entries that arrive. The other services are
disabled. Two configurations, each measured over several runs:

- journald + Loki (the default): every entry to journald and to Loki;
- Loki only (`[logs] journal = false`): what the Loki path costs by itself.

Measured, per run:

- the child's write rate into its pipe drained by aegisd, vs the same child writing into a pipe
  of the same size (aegisd makes its children's pipes 1 MiB) drained by `cat > /dev/null`, run
  just before (ratio: aegisd / cat; the goal is at least 0.9);
- lines per second to journald: from the child's first line until journald's socket has taken
  every entry aegisd sent it (`journal_sent` + `journal_dropped` = N in status; `journal_dropped`
  counts entries not sent because journald fell more than 200k entries behind). journald's own
  rate limit (10000 per 30 s by default; the shipped unit raises it) may still discard some;
  the journald here is shared with other work and is not reconfigured;
- lines per second to Loki: entries the stand-in has received, from the child's first line;
- aegisd's CPU time per 100k lines (user + system from /proc, minus a run with 1 line), and the
  cores it used while shipping: its CPU time until Loki held every line, divided by that time.

Usage: scripts/bench_logs.py [BIN_DIR] [--lines 1000000] [--runs 9]
BIN_DIR holds the release aegisd and aegisctl (default .build-static/release). Needs root (the
child runs as the `aegis` user) and a running journald (started here when none is).
Prints a markdown report.
"""
import argparse, fcntl, gzip, re, http.server, json, os, shutil, socket, statistics, subprocess, tempfile, threading, time

from benchlib import cpu_seconds, free_port, journald_running, set_key, wait_for_idle  # scripts/ is on sys.path


class LokiStandIn(http.server.ThreadingHTTPServer):
    """Counts pushed entries; a stand-in because real Loki is not in Debian's archive."""

    def __init__(self, port):
        super().__init__(("127.0.0.1", port), Handler)
        self.entries = 0
        self.lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        body = b"ready" if self.path == "/ready" else b"not found"
        self.send_response(200 if self.path == "/ready" else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        data = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.headers.get("Content-Encoding") == "gzip":
            data = gzip.decompress(data)
        try:
            streams = json.loads(data)["streams"]
            count = sum(len(s["values"]) for s in streams)
        except (ValueError, KeyError, TypeError):
            self.send_response(400)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        with self.server.lock:
            self.server.entries += count
        self.send_response(204)
        self.end_headers()


def generator(path, lines, result, go):
    """The child: waits for the `go` file (aegisd started and the machine idle again), then
    writes its lines and notes when it started and finished."""
    with open(path, "w") as f:
        f.write(f"""#!/bin/bash
if [ "$1" = "-version" ]; then echo "loki, version 3.0.0 (aegisd log benchmark generator)"; exit 0; fi
while [ ! -e {go} ]; do sleep 0.02; done
start=$(date +%s%N)
{SEQ.format(lines=lines)}
end=$(date +%s%N)
echo "$start $end" > {result}
exec sleep infinity
""")
    os.chmod(path, 0o755)


SEQ = 'seq -f "aegis bench line %.0f level=info" 1 {lines}'
PIPE_BYTES = 1 << 20  # what aegisd gives its children (ChildProcess.supervisedPipeBytes)
F_SETPIPE_SZ = 1031


def cat_rate(lines):
    """The same child writing into a pipe of the same size drained by cat: lines per second."""
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, F_SETPIPE_SZ, PIPE_BYTES)
    cat = subprocess.Popen(["cat"], stdin=read_end, stdout=subprocess.DEVNULL)
    os.close(read_end)
    timing = subprocess.run(
        ["bash", "-c", f"start=$(date +%s%N); {SEQ.format(lines=lines)}; end=$(date +%s%N); echo $start $end >&2"],
        stdout=write_end, stderr=subprocess.PIPE, text=True, check=True).stderr.split()
    os.close(write_end)
    cat.wait()
    return lines / ((int(timing[1]) - int(timing[0])) / 1e9)


class Control:
    """aegisd's status over its control socket, one connection kept open (docs/control-protocol.md).
    Not `aegisctl status` every 50 ms: starting a process that often took a tenth of the machine,
    CPU the child being measured then did not get."""

    def __init__(self, path):
        self.path, self.sock, self.reader = path, None, None

    def status(self, retry=True):
        try:
            if self.sock is None:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(self.path)
                self.reader = self.sock.makefile("rb")
            self.sock.sendall(b'{"v":1,"command":"status"}\n')
            reply = json.loads(self.reader.readline())
            return reply.get("status") if reply.get("ok") else None
        except (OSError, ValueError):
            # aegisd closes an idle connection: connect again once.
            self.close()
            return self.status(retry=False) if retry else None

    def close(self):
        if self.sock is not None:
            self.sock.close()
        self.sock = self.reader = None


def one_run(bindir, lines, work, journal):
    root = tempfile.mkdtemp(prefix="run-", dir=work)
    os.chmod(root, 0o755)
    gen = os.path.join(root, "generator.sh")
    # The child runs as `aegis` and writes its result file here.
    shared = os.path.join(root, "shared")
    os.mkdir(shared)
    os.chmod(shared, 0o777)
    result = os.path.join(shared, "generator.result")
    go = os.path.join(shared, "go")
    generator(gen, lines, result, go)
    base = free_port()
    while any(not port_free(p) for p in range(base, base + 7)):
        base = free_port()
    subprocess.run([f"{bindir}/aegisd", "config", "init", "--root", root, "--port-base", str(base), "--user", "aegis"],
                   check=True, capture_output=True)
    config = os.path.join(root, "aegisd.toml")
    text = open(config).read()
    for section in ("postgres.backend", "postgres.ai", "postgres.executor", "redis"):
        text = set_key(text, section, "enabled", "false")
    text = set_key(text, "loki", "binary", json.dumps(gen))
    if not journal:
        text = set_key(text, "logs", "journal", "false")
    open(config, "w").write(text)
    loki = LokiStandIn(base + 4)
    threading.Thread(target=loki.serve_forever, daemon=True).start()
    daemon = subprocess.Popen([f"{bindir}/aegisd", "--config", config], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    control = Control(re.search(r'^socket\s*=\s*"([^"]+)"', text, re.M).group(1))
    try:
        # The child writes only once aegisd is up (its start-up work done: certificates, the
        # first health checks) and the machine is idle: the run measures draining, not start-up.
        deadline = time.time() + 120
        while time.time() < deadline and not any(
                s.get("name") == "loki" and s.get("healthy")
                for s in (control.status() or {}).get("services", [])):
            time.sleep(0.1)
        wait_for_idle(limit=60)
        open(go, "w").close()
        deadline = time.time() + 300
        journal_done = None if journal else 0
        loki_done = loki_cpu = None
        while time.time() < deadline and (journal_done is None or loki_done is None):
            time.sleep(0.05)
            now = time.time()
            # >=: a push whose answer came too late is sent again (at-least-once).
            if loki_done is None and loki.entries >= lines:
                loki_done, loki_cpu = now, cpu_seconds(daemon.pid)
            if journal_done is None:
                logs = (control.status() or {}).get("logs", {})
                if (logs.get("journal_sent") or 0) + (logs.get("journal_dropped") or 0) >= lines:
                    journal_done = time.time()
        if journal_done is None or loki_done is None:
            logs = (control.status() or {}).get("logs", {})
            raise SystemExit(f"timed out: {loki.entries} of {lines} lines in Loki; aegisd's counters: {json.dumps(logs)}")
        cpu = cpu_seconds(daemon.pid)
        report = control.status() or {}
        journal_dropped = report.get("logs", {}).get("journal_dropped") or 0
        start_ns, end_ns = map(int, open(result).read().split())
        start = start_ns / 1e9
        return {
            "child_rate": lines / ((end_ns - start_ns) / 1e9),
            "journal_rate": (lines - journal_dropped) / (journal_done - start) if journal else None,
            "journal_dropped": journal_dropped,
            "loki_rate": lines / (loki_done - start),
            "loki_seconds": loki_done - start,
            "loki_cpu": loki_cpu,
            "cpu": cpu,
        }
    finally:
        control.close()
        daemon.terminate()
        daemon.wait(timeout=120)
        loki.shutdown()
        loki.server_close()


def port_free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("bindir", nargs="?", default=".build-static/release")
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("run as root: the child runs as the aegis user")
    if not journald_running():
        os.makedirs("/run/systemd/journal", exist_ok=True)
        subprocess.Popen(["/lib/systemd/systemd-journald"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            if journald_running():
                break
            time.sleep(0.1)
        else:
            raise SystemExit("journald is not running and could not be started")
    work = tempfile.mkdtemp(prefix="aegis-bench-logs-")
    os.chmod(work, 0o755)
    modes = [("journald + Loki", True), ("Loki only (`[logs] journal = false`)", False)]
    results = {}
    busy_warnings = 0
    try:
        for name, journal in modes:
            baseline = one_run(args.bindir, 1, work, journal)
            runs, cats = [], []
            for _ in range(args.runs):
                # journald may still be writing out the previous run: each pair starts on an idle machine.
                busy_warnings += not wait_for_idle()
                cats.append(cat_rate(args.lines))
                runs.append(one_run(args.bindir, args.lines, work, journal))
            results[name] = (baseline, runs, cats)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    def med(runs, key):
        return statistics.median(r[key] for r in runs)

    def column(baseline, runs, cats):
        per_100k = (med(runs, "cpu") - baseline["cpu"]) / (args.lines / 100_000)
        cores = statistics.median((r["loki_cpu"] - baseline["cpu"]) / r["loki_seconds"] for r in runs)
        ratios = [r["child_rate"] / c for r, c in zip(runs, cats)]
        journal = (f"{med(runs, 'journal_rate'):,.0f} ({med(runs, 'journal_dropped'):,.0f} not sent: journald too far behind)"
                   if runs[0]["journal_rate"] is not None else "off")
        return [
            f"{med(runs, 'child_rate'):,.0f}",
            f"{statistics.median(cats):,.0f}",
            f"**{statistics.median(ratios):.2f}** (runs: {', '.join(f'{r:.2f}' for r in ratios)})",
            journal,
            f"{med(runs, 'loki_rate'):,.0f}",
            f"{per_100k * 1000:.0f} ms",
            f"**{cores:.2f}**",
        ]

    rows = [
        "child's write rate into its 1 MiB stdout pipe drained by aegisd, lines/s",
        "the same child, same pipe size, drained by `cat > /dev/null` just before, lines/s",
        "ratio aegisd / cat (median of the per-run ratios; goal ≥ 0.9)",
        "lines/s child → journald (taken by its socket)",
        "lines/s child → Loki stand-in (batched, gzip)",
        "aegisd CPU per 100k lines (minus a 1-line run)",
        "aegisd cores while shipping to Loki (CPU s until Loki held every line ÷ that time; goal < 1 at ≥ 100k lines/s)",
    ]
    columns = {name: column(*results[name]) for name, _ in modes}
    print(f"Lines: {args.lines:,} per run, median of {args.runs} runs; child: `seq -f` (C) as aegisd's loki service.\n")
    if busy_warnings:
        print(f"**Warning:** {busy_warnings} run(s) started on a busy machine (other work than this benchmark); "
              "their numbers are distorted.\n")
    print("| measure | " + " | ".join(name for name, _ in modes) + " |")
    print("|---|" + "---|" * len(modes))
    for index, row in enumerate(rows):
        print(f"| {row} | " + " | ".join(columns[name][index] for name, _ in modes) + " |")


if __name__ == "__main__":
    main()
