#!/usr/bin/env python3
"""Where a running aegisd's resident memory is: RSS and private dirty memory per mapping, the
resident pages of its own executable per ELF section (from /proc/PID/pagemap), and the resident
code per Swift module or C++ namespace (from the symbols). The figures behind the idle-cost
section of docs/benchmarks.md.

Usage (root): scripts/resident_pages.py PID [--modules N]
"""
import argparse, bisect, collections, os, re, struct, subprocess


def mappings(pid):
    """(start, end, perms, path, {field: kB}, file offset) for every mapping of /proc/PID/smaps."""
    out, current = [], None
    for line in open(f"/proc/{pid}/smaps"):
        head = re.match(r"^([0-9a-f]+)-([0-9a-f]+) (\S{4}) ([0-9a-f]+) \S+ \S+\s*(.*)$", line)
        if head:
            current = (int(head.group(1), 16), int(head.group(2), 16), head.group(3), head.group(5), {},
                       int(head.group(4), 16))
            out.append(current)
        elif current and ":" in line:
            key, value = line.split(":", 1)
            if value.strip().endswith("kB"):
                current[4][key] = int(value.split()[0])
    return out


def module(symbol):
    """The Swift module or C++ namespace a mangled symbol belongs to."""
    m = re.match(r"\$s(\d+)(\w+)", symbol)
    if m:
        return "swift " + m.group(2)[:int(m.group(1))]
    if symbol.startswith("$s"):
        return "swift Swift (standard library)"
    m = re.match(r"_ZN?K?(\d+)(\w+)", symbol)
    if m:
        return "c++ " + m.group(2)[:int(m.group(1))]
    if symbol.startswith(("swift_", "_swift")):
        return "swift runtime"
    if symbol.startswith("_dispatch") or symbol.startswith("dispatch_"):
        return "libdispatch"
    return "c (other)"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("pid", type=int)
    parser.add_argument("--modules", type=int, default=20)
    args = parser.parse_args()
    pid = args.pid
    exe = os.readlink(f"/proc/{pid}/exe")
    maps = mappings(pid)

    print("## Mappings with 100 kB or more resident (kB)\n")
    print("| RSS | private dirty | perms | mapping |")
    print("|---|---|---|---|")
    for start, end, perms, path, f, _ in sorted(maps, key=lambda m: -m[4].get("Rss", 0)):
        if f.get("Rss", 0) >= 100:
            print(f"| {f['Rss']} | {f.get('Private_Dirty', 0)} | {perms} | {path or '(anonymous)'} |")
    total = collections.Counter()
    for m in maps:
        total.update(m[4])
    print(f"\nTotal: RSS {total['Rss']} kB, private dirty {total['Private_Dirty']} kB, "
          f"anonymous {total['Anonymous']} kB\n")

    own = [m for m in maps if m[3] == exe]
    base = own[0][0] - own[0][5]  # where the file's offset 0 (virtual address 0 of a PIE) is mapped
    resident = set()
    with open(f"/proc/{pid}/pagemap", "rb") as pagemap:
        for start, end, *_ in own:
            pagemap.seek(start // 4096 * 8)
            data = pagemap.read((end - start) // 4096 * 8)
            for i in range((end - start) // 4096):
                if struct.unpack_from("<Q", data, i * 8)[0] >> 63:
                    resident.add((start - base) // 4096 + i)
    sections = []
    for line in subprocess.run(["readelf", "-SW", exe], capture_output=True, text=True).stdout.splitlines():
        m = re.match(r"\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)", line)
        if m and int(m.group(2), 16):
            sections.append((m.group(1), int(m.group(2), 16), int(m.group(3), 16)))
    print("## The executable's resident pages per section (kB)\n")
    print("| section | size | resident |")
    print("|---|---|---|")
    for name, addr, size in sections:
        pages = len(set(range(addr // 4096, (addr + size + 4095) // 4096)) & resident)
        if pages * 4 >= 16:
            print(f"| {name} | {size // 1024} | {pages * 4} |")

    symbols = []
    for line in subprocess.run(["nm", "-n", "--defined-only", exe], capture_output=True, text=True).stdout.splitlines():
        parts = line.split(None, 2)
        if len(parts) == 3 and parts[1] in "tTwW":
            symbols.append((int(parts[0], 16), parts[2]))
    addresses = [a for a, _ in symbols]
    text = next(s for s in sections if s[0] == ".text")
    per = collections.Counter()
    for page in resident:
        lo, hi = page * 4096, page * 4096 + 4096
        if not text[1] <= lo < text[1] + text[2]:
            continue
        j = max(bisect.bisect_right(addresses, lo) - 1, 0)
        while j < len(symbols) and symbols[j][0] < hi:
            end = symbols[j + 1][0] if j + 1 < len(symbols) else hi
            overlap = min(end, hi) - max(symbols[j][0], lo)
            if overlap > 0:
                per[module(symbols[j][1])] += overlap
            j += 1
    print(f"\n## Resident code (.text) per module, the {args.modules} largest (kB)\n")
    print("| module | resident |")
    print("|---|---|")
    for name, size in per.most_common(args.modules):
        print(f"| {name} | {size // 1024} |")


if __name__ == "__main__":
    main()
