#!/usr/bin/python3
"""Opens a `basin export vtp` / `basin surface --vtp` file with VTK's own reader (Debian's python3-vtk9) and checks it
against the surface's HDF5 file (h5py): a point per cell at (x[i], y[j], Z[j, i]), (nx - 1)(ny - 1) quads, the value
as point data. Exit code 1 on a mismatch.

  /usr/bin/python3 bench/check_vtp.py FILE.vtp FILE.h5 [--surf-name train_loss] [--log] [--zmax Z]
"""
import argparse, json, sys

import h5py
import numpy as np
import vtk
from vtk.util.numpy_support import vtk_to_numpy

p = argparse.ArgumentParser()
p.add_argument("vtp")
p.add_argument("h5")
p.add_argument("--surf-name", default="train_loss")
p.add_argument("--log", action="store_true")
p.add_argument("--zmax", type=float, default=0)
a = p.parse_args()
reader = vtk.vtkXMLPolyDataReader()
reader.SetFileName(a.vtp)
reader.Update()
poly = reader.GetOutput()
f = h5py.File(a.h5, "r")
x, y, Z = f["xcoordinates"][:], f["ycoordinates"][:], np.array(f[a.surf_name][:], dtype=float)
if a.log:
    Z = np.log(Z + 0.1)
if a.zmax > 0:
    Z = np.minimum(Z, a.zmax)
X, Y = np.meshgrid(x, y)
expected = np.stack([X.ravel(), Y.ravel(), Z.ravel()], axis=1)
points = vtk_to_numpy(poly.GetPoints().GetData())
values = vtk_to_numpy(poly.GetPointData().GetArray(a.surf_name))
problems = []
if points.shape != expected.shape or not np.allclose(points, expected, rtol=1e-12, equal_nan=True):
    problems.append("points differ from (x[i], y[j], Z[j, i])")
if not np.allclose(values, Z.ravel(), rtol=1e-12, equal_nan=True):
    problems.append("point data differ from Z")
if poly.GetNumberOfPolys() != (len(x) - 1) * (len(y) - 1):
    problems.append(f"{poly.GetNumberOfPolys()} polygons, expected {(len(x) - 1) * (len(y) - 1)}")
print(json.dumps({"vtk": vtk.vtkVersion.GetVTKVersion(), "points": int(poly.GetNumberOfPoints()), "polys": int(poly.GetNumberOfPolys()),
                  "bounds": list(poly.GetBounds()), "problems": problems}))
sys.exit(1 if problems else 0)
