"""What the benchmark scripts share: running commands, free ports, an idle machine, readings of
/proc, systemd's end of sd_notify, and editing a generated aegisd.toml.

Imported by bench.py, bench_backup.py and bench_logs.py (scripts/ is on sys.path: they are run
from there).
"""
import os, random, shlex, socket, subprocess, sys, threading, time

PG_BIN = "/usr/lib/postgresql/15/bin"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def sh(cmd, **kw):
    return subprocess.run(cmd, shell=True, check=True, capture_output=True, text=True, **kw).stdout


def run(cmd, **kw):
    """Runs an argument list (or a shell string when shell=True); returns stdout; fails loudly."""
    result = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if result.returncode != 0:
        shown = cmd if isinstance(cmd, str) else shlex.join(cmd)
        raise SystemExit(f"failed ({result.returncode}): {shown}\n{result.stdout}{result.stderr}")
    return result.stdout


class Notify:
    """systemd's end of sd_notify: records (time, message)."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.events = []
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        while True:
            data = self.sock.recv(4096).decode()
            self.events.append((time.monotonic(), data))

    def when(self, text, timeout=120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for t, data in self.events:
                if text in data.split("\n"):
                    return t
            time.sleep(0.002)
        raise SystemExit(f"timed out waiting for {text}")


def busy_cpu():
    """CPU seconds the whole machine has spent busy (every core; idle and iowait excluded)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal (guest time is already in user)
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def wait_for_idle(limit=600):
    """Others may share the machine: waits (`limit` seconds at most) for 2 s in which it is
    nearly idle. Returns False, with a warning, when it never was. `BENCH_IDLE_WAIT=SECONDS`
    caps every wait of a run (`BENCH_IDLE_WAIT=0 make bench` on a machine known to be busy:
    the figures then carry the warning instead of the run taking an hour of waits)."""
    cap = os.environ.get("BENCH_IDLE_WAIT")
    if cap is not None:
        limit = min(limit, max(0, int(cap)))
    deadline = time.monotonic() + limit
    while True:
        before = busy_cpu()
        time.sleep(2)
        cores = (busy_cpu() - before) / 2
        if cores < 0.15:
            return True
        if time.monotonic() > deadline:
            print(f"# warning: the machine is busy ({cores:.2f} cores) without this benchmark; "
                  "the numbers below are distorted", file=sys.stderr, flush=True)
            return False


def free_base(count=7):
    """The first of `count` consecutive free loopback ports, picked at random."""
    for _ in range(200):
        base = random.randint(20000, 55000)
        ok = True
        for p in range(base, base + count):
            s = socket.socket()
            try:
                s.bind(("127.0.0.1", p))
            except OSError:
                ok = False
            finally:
                s.close()
        if ok:
            return base
    raise SystemExit("no free ports")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def journald_running():
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        try:
            s.connect("/run/systemd/journal/socket")
            return True
        except OSError:
            return False


def proc_status(pid, key):
    """A `kB` field of /proc/PID/status, in bytes."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    raise SystemExit(f"no {key} in /proc/{pid}/status")


def proc_cpu(pid):
    """(own CPU s, CPU s of reaped children) of a process, from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK, (int(fields[13]) + int(fields[14])) / CLK_TCK


class RssSampler:
    """Samples VmRSS of a process every `interval` seconds while in a `with` block."""

    def __init__(self, pid, interval=0.05):
        self.pid, self.interval = pid, interval
        self.peak = 0
        self._stop = threading.Event()

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, proc_status(self.pid, "VmRSS"))
            self._stop.wait(self.interval)

    def __enter__(self):
        self.peak = proc_status(self.pid, "VmRSS")
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, proc_status(self.pid, "VmRSS"))


def set_key(text, section, key, value):
    """Sets `key = value` inside `[section]` of a config init file."""
    lines = text.split("\n")
    current = None
    for i, line in enumerate(lines):
        if line.startswith("["):
            current = line.strip("[] ")
        elif current == section and line.split("=")[0].strip() == key:
            lines[i] = f"{key} = {value}"
            return "\n".join(lines)
    raise SystemExit(f"no {section}.{key} in the generated config")


def cpu_seconds(pid):
    """CPU seconds (user + system) a process has used so far."""
    return proc_cpu(pid)[0]
