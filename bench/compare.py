#!/usr/bin/python3
"""Basin vs PyTorch on the same cases, robust to a noisy shared machine: runs the PyTorch reference
(bench/pytorch_reference.py bench) and `basin bench --json` alternately ROUNDS times and keeps, for every case,
each side's fastest median. Prints a markdown table of times and speed-ups (PyTorch time / Basin time).

  /usr/bin/python3 bench/compare.py [--rounds 3] [--torch-threads N] [--data-dir DIR]

Needs Debian's python3-torch and libopenblas0-openmp (without it libblas.so.3 is the slow reference BLAS). PyTorch runs
with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed from its environment, so OpenBLAS picks its own kernels for this
processor (AVX-512 ones here) rather than the Haswell ones that variable may pin.
"""
import argparse, json, os, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BASIN = os.path.join(ROOT, "src", "Basin.Cli", "bin", "Release", "net10.0", "basin")

p = argparse.ArgumentParser()
p.add_argument("--rounds", type=int, default=3)
p.add_argument("--torch-threads", type=int, default=os.cpu_count(), help="0 keeps PyTorch's own default")
p.add_argument("--data-dir")
args = p.parse_args()

subprocess.run(["dotnet", "build", "-c", "Release", os.path.join(ROOT, "src", "Basin.Cli"), "-v", "q", "-nologo"],
               check=True, stdout=subprocess.DEVNULL)
subprocess.run(["dotnet", "build-server", "shutdown"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
extra = ["--data-dir", args.data_dir] if args.data_dir else []
torch_env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
torch_best, basin_best, peak = {}, {}, 0.0
for r in range(args.rounds):
    t = json.loads(subprocess.run([sys.executable, os.path.join(HERE, "pytorch_reference.py"), "bench",
                                   "--threads", str(args.torch_threads)] + extra,
                                  check=True, capture_output=True, text=True, env=torch_env).stdout)
    b = json.loads(subprocess.run([BASIN, "bench", "--json"] + extra, check=True, capture_output=True, text=True).stdout)
    torch_threads = t["threads"]
    peak = max(peak, b["peak_gflops"])
    for k, v in t.items():
        if isinstance(v, float):
            torch_best[k] = min(torch_best.get(k, v), v)
    for k, v in b.items():
        if isinstance(v, dict):
            basin_best[k] = min(basin_best.get(k, v["seconds"]), v["seconds"])
    print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)

print(f"PyTorch threads: {torch_threads}; Basin threads: {b['threads']}; measured FMA peak {peak:.0f} GFLOP/s; "
      f"best of {args.rounds} alternating rounds (each a median of 7 runs after 3 warm-ups)\n")
print("| case | Basin | PyTorch | speed-up |")
print("|---|---|---|---|")
for k, v in basin_best.items():
    torch = torch_best.get(k)
    ratio = f"{torch / v:.2f}x" if torch else "-"
    print(f"| {k} | {v * 1e3:.2f} ms | {torch * 1e3:.2f} ms | {ratio} |" if torch else f"| {k} | {v * 1e3:.2f} ms | - | - |")
