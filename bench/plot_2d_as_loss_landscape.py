#!/usr/bin/python3
"""Draws a `basin surface` HDF5 file the way loss-landscape's plot_2D.py (plot_2d_contour) reads it, with Debian's
matplotlib and h5py:

    x = f['xcoordinates'][:]; y = f['ycoordinates'][:]; X, Y = np.meshgrid(x, y); Z = np.array(f[surf_name][:])
    plt.contour(X, Y, Z, cmap='summer', levels=np.arange(vmin, vmax, vlevel))

so a file in the wrong layout comes out transposed (or fails on a non-square grid). Writes OUT.png.

  /usr/bin/python3 bench/plot_2d_as_loss_landscape.py FILE.h5 OUT.png [--vmin 0.1 --vmax 10 --vlevel 0.5]
"""
import argparse

import h5py
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

p = argparse.ArgumentParser()
p.add_argument("file")
p.add_argument("out")
p.add_argument("--surf-name", default="train_loss")
p.add_argument("--vmin", type=float, default=0.1)
p.add_argument("--vmax", type=float, default=10)
p.add_argument("--vlevel", type=float, default=0.5)
a = p.parse_args()
f = h5py.File(a.file, "r")
x = f["xcoordinates"][:]
y = f["ycoordinates"][:]
X, Y = np.meshgrid(x, y)
Z = np.array(f[a.surf_name][:])
fig = plt.figure()
CS = plt.contour(X, Y, Z, cmap="summer", levels=np.arange(a.vmin, a.vmax, a.vlevel))
plt.clabel(CS, inline=1, fontsize=8)
plt.title(f"{a.surf_name} as loss-landscape's plot_2D.py draws it\n{len(x)} x {len(y)} grid, Z of shape {Z.shape}")
plt.xlabel("x")
plt.ylabel("y")
fig.savefig(a.out, dpi=150, bbox_inches="tight")
print(f"wrote {a.out}: Z {Z.shape}, x {len(x)}, y {len(y)}")
