#!/usr/bin/python3
"""Checks a `basin surface` HDF5 file the way loss-landscape's plotting code reads it (Debian's python3-h5py).

  /usr/bin/python3 bench/check_h5.py FILE.h5 [--json BASIN_SURFACE_JSON]

Verifies the dataset names and shapes as loss-landscape's plot_2D.py reads them (X, Y = meshgrid(x, y); contour(X, Y, Z):
train_loss has shape (len(y), len(x)) with [j, i] at xcoordinates[i], ycoordinates[j]; accuracy in percent; the `layout`
attribute), and, given the `--json` output of the same surface (loss[i][j] at x[i], y[j]), that the numbers agree.
Exit code 1 on a mismatch.
"""
import argparse, json, sys

import h5py
import numpy as np

p = argparse.ArgumentParser()
p.add_argument("file")
p.add_argument("--json")
args = p.parse_args()
f = h5py.File(args.file, "r")
problems = []
x = f["xcoordinates"][:]
two_d = "ycoordinates" in f
shape = (len(f["ycoordinates"][:]), len(x)) if two_d else (len(x),)
if two_d and not str(f.attrs.get("layout", "")).startswith("yx"):
    problems.append("the layout attribute is missing (a file of Basin before 0.2 holds [i, j])")
for name in ["train_loss", "train_acc"] + [n for n in ("test_loss", "test_acc") if n in f]:
    if f[name].shape != shape:
        problems.append(f"{name} has shape {f[name].shape}, expected {shape}")
acc = f["train_acc"][:]
if np.nanmax(acc) > 100 or (np.nanmax(acc) <= 1 and np.nanmax(acc) > 0 and np.nanmax(acc) != 1):
    problems.append("train_acc is not in percent")
for key in ("model", "data", "norm", "seed", "xrange"):
    if key not in f.attrs:
        problems.append(f"attribute {key} is missing")
if args.json:
    j = json.load(open(args.json))
    loss = np.array(j["loss"], dtype=float)
    accuracy = np.array(j["accuracy"], dtype=float)
    if two_d:
        loss, accuracy = loss.T, accuracy.T
    if loss.shape != shape or not np.allclose(loss, f["train_loss"][:], rtol=1e-12, equal_nan=True):
        problems.append("train_loss differs from the --json output")
    if not np.allclose(accuracy * 100, acc, rtol=1e-12, equal_nan=True):
        problems.append("train_acc differs from 100 x the --json accuracy")
print(json.dumps({"file": args.file, "shape": list(shape), "datasets": sorted(f.keys()),
                  "attributes": sorted(f.attrs.keys()), "problems": problems}))
sys.exit(1 if problems else 0)
