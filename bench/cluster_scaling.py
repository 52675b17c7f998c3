#!/usr/bin/python3
"""Scaling of `basin --cluster` on this machine (issue 22): 1 worker of 1 thread against 2 workers of 1 thread each, on
LeNet's filter-normalized surface and on 20 Lanczos steps of its Hessian, with the one-process time of the same work on
1 and on 2 threads beside them (the control: what this machine's second core gives one process). Redis is Debian's redis-server on a free loopback port; every process started here is stopped.

Per job it reports the cluster's own time (the coordinator's "cluster: N pieces in T s (C s computing on the workers)"
line: from handing out the first piece to taking the last result, after connecting and loading), the throughput ratio
1 worker / 2 workers, and the overhead per piece (serialization, transfer, scheduling, merging) on 1 worker: (T - C) / N,
against a piece's compute time C / N.

Usage: /usr/bin/python3 bench/cluster_scaling.py [--basin PATH] [--data-dir DIR] [--rounds 3] [--grid 9] [--pin]"""
import argparse, json, os, re, signal, socket, statistics, subprocess, sys, tempfile, time

p = argparse.ArgumentParser()
p.add_argument("--basin", default=os.path.expanduser("~/.local/bin/basin"))
p.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist")
p.add_argument("--rounds", type=int, default=3)
p.add_argument("--grid", type=int, default=9, help="points per axis of the surface")
p.add_argument("--pin", action="store_true", help="pin worker k to CPU k (taskset), as on machines of their own")
a = p.parse_args()
tmp = tempfile.mkdtemp(prefix="basin-cluster-")
data = ["--data", "fashion-mnist", "--data-dir", a.data_dir]

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def basin(args, check=True):
    out = subprocess.run([a.basin] + args, capture_output=True, text=True, cwd=tmp)
    if check and out.returncode != 0:
        sys.exit(f"failed: basin {' '.join(args)}\n{out.stderr}")
    return out

run = os.path.join(tmp, "lenet")
basin(["train", "--model", "lenet", *data, "--n", "2000", "--epochs", "1", "--out", run])
jobs = {
    f"surface {a.grid} x {a.grid}, lenet, n=2000": ["surface", "--weights", run, *data, "--n", "2000", "--xrange", f"-1:1:{a.grid}", "--yrange", f"-1:1:{a.grid}",
                                     "--no-plots", "--force", "--out", os.path.join(tmp, "s.h5")],
    "hessian 20 Lanczos steps, lenet, n=4000, batch 50": ["hessian", "--weights", run, *data, "--n", "4000", "--batch", "50", "--top", "1",
                                                         "--lanczos-steps", "20", "--json"],
}

def local_seconds(name, out):
    if name.startswith("surface"):
        return float(re.search(r"cells(?: \(resumed\))?, ([\d.]+) s", out.stdout).group(1))
    return json.loads(out.stdout)["seconds"]

def cluster_job(err):
    m = re.search(r"cluster: (\d+) [a-z ]+ in ([\d.]+) s \(([\d.]+) s computing", err)
    return int(m.group(1)), float(m.group(2)), float(m.group(3))

port = free_port()
redis = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                         stdout=subprocess.DEVNULL)
workers = []
def start_worker():
    pin = ["taskset", "-c", str(len(workers))] if a.pin else []
    w = subprocess.Popen(pin + [a.basin, "worker", "--cluster", f"redis://127.0.0.1:{port}", "--threads", "1"], stdout=subprocess.PIPE, text=True, cwd=tmp)
    if "in cluster" not in w.stdout.readline():
        sys.exit("a worker did not join")
    workers.append(w)

results = {}
try:
    time.sleep(0.5)
    for name, args in jobs.items():
        results[name] = {"local": statistics.median(local_seconds(name, basin(args + ["--threads", "1"])) for _ in range(a.rounds)),
                         "local 2 threads": statistics.median(local_seconds(name, basin(args + ["--threads", "2"])) for _ in range(a.rounds))}
    for count in (1, 2):
        while len(workers) < count:
            start_worker()
        for name, args in jobs.items():
            timings = [cluster_job(basin(args + ["--cluster", f"redis://127.0.0.1:{port}"]).stderr) for _ in range(a.rounds)]
            results[name][f"{count} worker"] = statistics.median(t for _, t, _ in timings)
            results[name][f"{count} worker pieces"] = timings[0][0]
            results[name][f"{count} worker overhead"] = statistics.median((t - c) / n for n, t, c in timings)
            results[name][f"{count} worker piece"] = statistics.median(c / n for n, _, c in timings)
finally:
    for w in workers:
        w.send_signal(signal.SIGTERM)
    for w in workers:
        try: w.wait(15)
        except subprocess.TimeoutExpired: w.kill()
    redis.kill()
    redis.wait()

for name, r in results.items():
    print(f"{name}: one process, 1 thread {r['local']:.3f} s; cluster 1 worker {r['1 worker']:.3f} s ({r['1 worker pieces']} pieces), "
          f"2 workers {r['2 worker']:.3f} s: throughput x{r['1 worker'] / r['2 worker']:.2f}; overhead per piece on 1 worker "
          f"{r['1 worker overhead'] * 1000:.1f} ms = {r['1 worker overhead'] / r['1 worker piece'] * 100:.1f} % of a piece's {r['1 worker piece']:.3f} s; "
          f"control: one process on 2 threads {r['local 2 threads']:.3f} s = x{r['local'] / r['local 2 threads']:.2f} its 1-thread time")
print(json.dumps(results))
