#!/usr/bin/python3
"""PyTorch reference for `basin surface` (issue 4), done the way loss-landscape does it: for every grid point set
w = theta + a*dx + b*dy and evaluate the loss over the data.

  /usr/bin/python3 bench/pytorch_surface.py WEIGHTS DIR_X DIR_Y [--cnn] [--double] [--n 10000] [--grid=-1:1:21]
      [--normalize filter] [--out FILE.json]

Directions are read raw from safetensors; --normalize filter applies loss-landscape's filter normalization
(d <- d / (||d|| + 1e-10) * ||w|| per output row/filter, biases zero) and writes the normalized directions too.
Prints one JSON object: the grid, the loss matrix, the seconds it took.
"""
import argparse, json, os, sys, time

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_reference import cnn, load, mlp, save_safetensors  # noqa: E402


def read_safetensors(path):
    import struct
    with open(path, "rb") as f:
        raw = f.read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        dtype = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64}[v["dtype"]]
        b, e = v["data_offsets"]
        out[k] = torch.frombuffer(bytearray(raw[8 + n + b:8 + n + e]), dtype=dtype).reshape(v["shape"]).clone()
    return out


def filter_normalize(d, w):
    out = {}
    for k in d:
        if d[k].dim() <= 1:
            out[k] = torch.zeros_like(d[k])
            continue
        nd = d[k].clone()
        for di, wi in zip(nd, w[k]):
            di.mul_(wi.norm() / (di.norm() + 1e-10))
        out[k] = nd
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("weights")
    p.add_argument("dir_x")
    p.add_argument("dir_y")
    p.add_argument("--cnn", action="store_true")
    p.add_argument("--double", action="store_true")
    p.add_argument("--n", type=int, default=10000)
    p.add_argument("--grid", default="-1:1:21")
    p.add_argument("--normalize", choices=["none", "filter"], default="none")
    p.add_argument("--normalized-out", help="write the normalized directions here (stem)")
    p.add_argument("--data-dir")
    p.add_argument("--threads", type=int, default=os.cpu_count())
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    dtype = torch.float64 if args.double else torch.float32
    model = (cnn() if args.cnn else mlp()).to(dtype)
    w = {k: t.to(dtype) for k, t in read_safetensors(args.weights).items()}
    dx = {k: t.to(dtype) for k, t in read_safetensors(args.dir_x).items()}
    dy = {k: t.to(dtype) for k, t in read_safetensors(args.dir_y).items()}
    if args.normalize == "filter":
        dx, dy = filter_normalize(dx, w), filter_normalize(dy, w)
        if args.normalized_out:
            save_safetensors(args.normalized_out + ".dir_x.safetensors", dx)
            save_safetensors(args.normalized_out + ".dir_y.safetensors", dy)
    x, y = load(args.data_dir, args.n)
    x = x.to(dtype)
    lo, hi, count = args.grid.split(":")
    coords = torch.linspace(float(lo), float(hi), int(count), dtype=torch.float64).tolist()
    loss_fn = nn.CrossEntropyLoss()
    params = dict(model.named_parameters())
    start = time.perf_counter()
    losses = []
    with torch.no_grad():
        for a in coords:
            row = []
            for b in coords:
                for k, prm in params.items():
                    prm.copy_(w[k] + a * dx[k] + b * dy[k])
                row.append(loss_fn(model(x), y).item())
            losses.append(row)
    seconds = time.perf_counter() - start
    print(json.dumps({"x": coords, "y": coords, "loss": losses, "seconds": seconds, "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
