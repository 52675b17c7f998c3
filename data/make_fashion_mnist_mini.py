#!/usr/bin/env python3
"""Writes data/fashion-mnist-mini: the first 2,000 training and 500 test Fashion-MNIST examples, IDX gzipped.

Usage: python3 data/make_fashion_mnist_mini.py [SOURCE_DIR]   (default ../shared/data/fashion-mnist)
"""
import gzip, os, struct, sys

here = os.path.dirname(os.path.abspath(__file__))
src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "..", "shared", "data", "fashion-mnist")
dst = os.path.join(here, "fashion-mnist-mini")
os.makedirs(dst, exist_ok=True)

def take(name, n):
    with gzip.open(os.path.join(src, name), "rb") as f:
        raw = f.read()
    rank = raw[3]
    dims = list(struct.unpack(">" + "I" * rank, raw[4:4 + 4 * rank]))
    per = 1
    for d in dims[1:]:
        per *= d
    dims[0] = n
    body = raw[4 + 4 * rank: 4 + 4 * rank + n * per]
    out = raw[:4] + struct.pack(">" + "I" * rank, *dims) + body
    # mtime=0 keeps the file byte-identical across runs
    with open(os.path.join(dst, name), "wb") as f:
        with gzip.GzipFile(fileobj=f, mode="wb", mtime=0, filename="") as g:
            g.write(out)

take("train-images-idx3-ubyte.gz", 2000)
take("train-labels-idx1-ubyte.gz", 2000)
take("t10k-images-idx3-ubyte.gz", 500)
take("t10k-labels-idx1-ubyte.gz", 500)
