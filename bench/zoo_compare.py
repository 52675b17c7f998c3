#!/usr/bin/python3
"""Issue 19's ResNet-20 speed cases (eval forward of 1,000, a training step of 128, an eval-mode H v on 256) for two
builds of basin and PyTorch, alternated ROUNDS times on the same machine (old, new, PyTorch each round): each side's
median and fastest run, and PyTorch's time over each build's.

  /usr/bin/python3 bench/zoo_compare.py OLD/basin.dll NEW/basin.dll [--rounds 5]

OLD may be a worktree of an earlier commit (git worktree add /tmp/base COMMIT; dotnet build -c Release src/Basin.Cli
there). PyTorch runs bench/pytorch_zoo.py bench with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed (as compare.py).
"""
import argparse, json, os, statistics, subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
p = argparse.ArgumentParser()
p.add_argument("old")
p.add_argument("new")
p.add_argument("--rounds", type=int, default=5)
a = p.parse_args()

env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
cases = {"resnet20_eval_1k": "eval_forward_1000", "resnet20_train_step_128": "train_step_128", "resnet20_hvp_256": "hvp_256"}
times = {side: {c: [] for c in cases} for side in ("old", "new", "pytorch")}
peaks = []
for r in range(a.rounds):
    for side, dll in (("old", a.old), ("new", a.new)):
        d = json.loads(subprocess.run(["dotnet", dll, "bench", "--repeat", "5", "--json"], check=True, capture_output=True, text=True).stdout)
        for c in cases:
            times[side][c].append(d[c]["seconds"])
        if side == "new":
            peaks.append(d["peak_gflops"])
    t = json.loads(subprocess.run(["/usr/bin/python3", os.path.join(HERE, "pytorch_zoo.py"), "bench"], check=True, capture_output=True,
                                  text=True, env=env).stdout)
    for c, key in cases.items():
        times["pytorch"][c].append(t[key])
    print(f"round {r + 1}/{a.rounds}: " + json.dumps({s: {c: round(v[-1], 4) for c, v in times[s].items()} for s in times}), flush=True)
print(f"FMA peak of the new build's runs (GFLOP/s): {', '.join(str(round(x)) for x in peaks)}")
print("| case | old | new | new/old | PyTorch | PyTorch/new (medians) | PyTorch/new (fastest runs) |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for c in cases:
    o, n, t = (statistics.median(times[s][c]) for s in ("old", "new", "pytorch"))
    print(f"| {c} | {o:.3f} s | {n:.3f} s | {n / o:.2f} | {t:.3f} s | **{t / n:.2f}x** | {min(times['pytorch'][c]) / min(times['new'][c]):.2f}x |")
