#!/usr/bin/python3
"""A/B of two builds of basin: runs `basin bench --json` of each alternately (ABBA order, to cancel a shared machine's
drift) and prints each case's median over the runs, and the ratio new/old.

usage: bench/ab.py OLD/basin.dll NEW/basin.dll [RUNS_PER_SIDE]   (build both with dotnet build -c Release first)
"""
import json, statistics, subprocess, sys

old, new = sys.argv[1], sys.argv[2]
runs = int(sys.argv[3]) if len(sys.argv) > 3 else 10
times = {"old": {}, "new": {}}
order = [("old", old), ("new", new), ("new", new), ("old", old)]
for i in range(2 * runs):
    side, dll = order[i % 4]
    out = subprocess.run(["dotnet", dll, "bench", "--json"], check=True, capture_output=True, text=True).stdout
    for case, v in json.loads(out).items():
        if isinstance(v, dict):
            times[side].setdefault(case, []).append(v["seconds"])
    print(f"run {i + 1}/{2 * runs} ({side}) done", file=sys.stderr)
print(f"| case | old (ms) | new (ms) | new/old |\n| --- | ---: | ---: | ---: |")
for case in times["old"]:
    o, n = statistics.median(times["old"][case]), statistics.median(times["new"][case])
    print(f"| {case} | {o * 1e3:.2f} | {n * 1e3:.2f} | {n / o:.2f} |")
