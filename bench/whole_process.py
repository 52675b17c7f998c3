#!/usr/bin/python3
"""Whole-process wall time and peak RSS (/usr/bin/time -v) of the installed `basin` on the commands of issue 20,
medians of alternating rounds, and PyTorch's compute time for the same 21 x 21 surface (timed around its loop only).

Usage: /usr/bin/python3 bench/whole_process.py [--basin PATH] [--rounds 5] [--data-dir DIR] [--cifar DIR]
Needs python3-torch (and libopenblas0-openmp) for the PyTorch column; a synthetic CIFAR-10-format folder of 50,000
training records is made under /tmp when --cifar is not given."""
import argparse, json, os, re, statistics, subprocess, sys, tempfile

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)
p = argparse.ArgumentParser()
p.add_argument("--basin", default=os.path.expanduser("~/.local/bin/basin"))
p.add_argument("--rounds", type=int, default=5)
p.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist")
p.add_argument("--cifar", default=None)
a = p.parse_args()

weights = os.path.join(root, "tests/Basin.Tests/Fixtures/pytorch/mlp.safetensors")
tmp = tempfile.mkdtemp(prefix="basin-whole-")

def cifar_dir():
    d = a.cifar or "/tmp/basin-cifar-synthetic"
    os.makedirs(d, exist_ok=True)
    for name in [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]:
        path = os.path.join(d, name)
        if os.path.exists(path) and os.path.getsize(path) == 10000 * 3073:
            continue
        b = bytearray(os.urandom(10000 * 3073))
        for r in range(10000):
            b[r * 3073] = r % 10
        with open(path, "wb") as f:
            f.write(b)
    return d

def run(args):
    out = subprocess.run(["/usr/bin/time", "-v", a.basin] + args, capture_output=True, text=True, cwd=tmp)
    if out.returncode != 0:
        sys.exit(f"failed: basin {' '.join(args)}\n{out.stderr}")
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", out.stderr)
    seconds = int(wall.group(1) or 0) * 3600 + int(wall.group(2)) * 60 + float(wall.group(3))
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", out.stderr).group(1)) / 1024
    return seconds, rss

cifar = cifar_dir()
lin = os.path.join(tmp, "cifar-linear")
subprocess.run([a.basin, "train", "--model", "linear(3072,10)", "--data", "cifar10", "--data-dir", cifar, "--n", "1000",
                "--epochs", "1", "--out", lin], check=True, capture_output=True)
surface = ["surface", "--model", "mlp:784-100-10", "--weights", weights, "--data", "fashion-mnist", "--data-dir", a.data_dir,
           "--n", "10000", "--norm", "none", "--xrange", "-1:1:21", "--yrange", "-1:1:21", "--no-plots", "--force"]
cases = {
    "basin --version": ["--version"],
    "eval mlp:784-100-10, fashion-mnist --n 10000": ["eval", "--model", "mlp:784-100-10", "--weights", weights, "--data", "fashion-mnist",
                                                     "--data-dir", a.data_dir, "--n", "10000"],
    "surface 21 x 21, mlp, fashion-mnist --n 10000 (no plots)": surface + ["--out", os.path.join(tmp, "s.h5")],
    "eval linear(3072,10), cifar10 all 50,000 train records": ["eval", "--weights", lin, "--data", "cifar10", "--data-dir", cifar],
    "eval linear(3072,10), cifar10 --n 1000": ["eval", "--weights", lin, "--data", "cifar10", "--data-dir", cifar, "--n", "1000"],
}
runs = {name: [] for name in cases}
for _ in range(a.rounds):
    for name, args in cases.items():
        runs[name].append(run(args))
result = {name: {"wall_s": statistics.median(t for t, _ in r), "wall_min_s": min(t for t, _ in r), "wall_max_s": max(t for t, _ in r),
                 "peak_rss_mb": statistics.median(m for _, m in r)} for name, r in runs.items()}

# As bench/compare.py: OpenBLAS picks its own (AVX-512) kernels for PyTorch, not the Haswell ones a machine may force.
torch_env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
torch = None
try:
    dirs = [os.path.join(tmp, "s.dir_x.safetensors"), os.path.join(tmp, "s.dir_y.safetensors")]
    times = []
    for _ in range(max(1, min(3, a.rounds))):
        out = subprocess.run(["/usr/bin/python3", os.path.join(here, "pytorch_surface.py"), weights, *dirs, "--data-dir", a.data_dir],
                             capture_output=True, text=True, check=True, env=torch_env)
        times.append(json.loads(out.stdout)["seconds"])
    torch = {"surface_compute_s": statistics.median(times), "runs": times}
except (subprocess.CalledProcessError, FileNotFoundError, KeyError, json.JSONDecodeError) as e:
    print(f"note: no PyTorch timing ({e})", file=sys.stderr)

for name, r in result.items():
    print(f"{name:58s} {r['wall_s']:.3f} s (range {r['wall_min_s']:.3f}-{r['wall_max_s']:.3f}), {r['peak_rss_mb']:.0f} MB")
if torch:
    s = result["surface 21 x 21, mlp, fashion-mnist --n 10000 (no plots)"]["wall_s"]
    print(f"PyTorch surface compute {torch['surface_compute_s']:.2f} s (median of {len(torch['runs'])}): whole Basin process {torch['surface_compute_s'] / s:.1f}x faster")
print(json.dumps({"basin": result, "pytorch": torch}))
