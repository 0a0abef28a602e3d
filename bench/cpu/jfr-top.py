#!/usr/bin/env python3
"""jfr-top.py FILE.jfr [N] - the top frames of a JFR recording (settings=profile), from `jfr print`:
CPU samples (jdk.ExecutionSample) by top frame and by first switchboard frame, and allocation samples
(jdk.ObjectAllocationSample, weighted by bytes) by first non-JDK-collection frame and by object class."""
import collections, re, subprocess, sys

def events(path, name):
    out = subprocess.run(["jfr", "print", "--events", name, "--stack-depth", "24", path],
                         capture_output=True, text=True).stdout
    for block in out.split(name + " {")[1:]:
        yield block

def frames(block):
    m = re.search(r"stackTrace = \[(.*?)\n\s*\]", block, re.S)
    if not m:
        return []
    return [re.sub(r"\s+line:.*", "", f.strip()) for f in m.group(1).strip().split("\n") if f.strip() and f.strip() != "..."]

def first(fs, pred):
    for f in fs:
        if pred(f):
            return f
    return fs[0] if fs else "?"

def show(title, counter, total, n, unit):
    print(f"\n{title} (total {total:,} {unit})")
    for k, v in counter.most_common(n):
        print(f"  {100.0 * v / total:5.1f}%  {k}")

path, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 15
top, sb = collections.Counter(), collections.Counter()
for b in events(path, "jdk.ExecutionSample"):
    fs = frames(b)
    if fs:
        top[fs[0]] += 1
        sb[first(fs, lambda f: f.startswith("dev.switchboard"))] += 1
show("CPU samples by top frame", top, sum(top.values()), n, "samples")
show("CPU samples by first dev.switchboard frame", sb, sum(sb.values()), n, "samples")
site, cls = collections.Counter(), collections.Counter()
for b in events(path, "jdk.ObjectAllocationSample"):
    w = re.search(r"weight = ([\d.]+) (\w+)", b)
    if not w:
        continue
    mult = {"bytes": 1, "kB": 1024, "MB": 1024 ** 2, "GB": 1024 ** 3}.get(w.group(2), 1)
    weight = int(float(w.group(1)) * mult)
    c = re.search(r"objectClass = (\S+)", b)
    cls[c.group(1) if c else "?"] += weight
    fs = frames(b)
    site[first(fs, lambda f: not re.match(r"(java\.|jdk\.|sun\.)", f))] += weight
show("Allocation (sampled bytes) by first non-JDK frame", site, sum(site.values()), n, "bytes")
show("Allocation by class", cls, sum(cls.values()), n, "bytes")
