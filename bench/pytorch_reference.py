#!/usr/bin/python3
"""PyTorch reference for Basin's engine core (issue 2). Run with Debian's python3 and python3-torch.

  /usr/bin/python3 bench/pytorch_reference.py fixtures   # train the MLP and CNN, write weights + expected numbers
  /usr/bin/python3 bench/pytorch_reference.py training   # 100 SGD steps (f32) and 50 GD steps (f64) from one init
  /usr/bin/python3 bench/pytorch_reference.py bench      # time the same cases as `basin bench`; JSON on stdout

Data: the first 10,000 Fashion-MNIST training images, from --data-dir, $BASIN_DATA/fashion-mnist,
../shared/data/fashion-mnist or /usr/share/datasets/fashion-mnist. Pixels are byte / 255 as in Basin.
"""
import argparse, gzip, json, os, struct, sys, time

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MLP = "linear(784,100),relu,linear(100,10)"
CNN = ("conv2d(1,8,3,padding=1),relu,maxpool2d(2),conv2d(8,16,3,padding=1),relu,maxpool2d(2),"
       "flatten,linear(784,10)")


class Flat(nn.Sequential):
    """nn.Sequential fed flattened images: Basin flattens inputs itself when the first layer is linear,
    and keeping Flatten out of the Sequential keeps the state_dict keys 0.* and 2.*."""

    def forward(self, x):
        return super().forward(x.reshape(x.shape[0], -1))


def mlp():
    return Flat(nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 10))


def cnn():
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(784, 10))


def find_data(data_dir):
    candidates = [data_dir, os.path.join(data_dir or "", "fashion-mnist") if data_dir else None,
                  os.path.join(os.environ.get("BASIN_DATA", ""), "fashion-mnist") if os.environ.get("BASIN_DATA") else None,
                  os.path.join(ROOT, "..", "shared", "data", "fashion-mnist"),
                  "/usr/share/datasets/fashion-mnist"]
    for d in candidates:
        if d and os.path.exists(os.path.join(d, "train-images-idx3-ubyte.gz")):
            return d
    sys.exit("error: fashion-mnist: no train-images-idx3-ubyte.gz found; pass --data-dir")


def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    rank = raw[3]
    dims = struct.unpack(">" + "I" * rank, raw[4:4 + 4 * rank])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def load(data_dir, n):
    d = find_data(data_dir)
    x = read_idx(os.path.join(d, "train-images-idx3-ubyte.gz"))[:n]
    y = read_idx(os.path.join(d, "train-labels-idx1-ubyte.gz"))[:n]
    x = torch.from_numpy(x.astype(np.float32) / np.float32(255)).reshape(n, 1, 28, 28)
    return x, torch.from_numpy(y.astype(np.int64))


def save_safetensors(path, tensors, metadata=None):
    """Minimal safetensors writer (the format is a JSON header plus raw little-endian data)."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, t in tensors.items():
        a = t.detach().cpu().contiguous().numpy()
        dtype = {np.float32: "F32", np.float64: "F64", np.int64: "I64"}[a.dtype.type]
        b = a.astype(a.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    os.replace(path + ".tmp", path)


def train(model, x, y, steps, lr=0.1, batch=128):
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    for s in range(steps):
        i = (s * batch) % (len(x) - batch)
        opt.zero_grad()
        loss_fn(model(x[i:i + batch]), y[i:i + batch]).backward()
        opt.step()
    return model


def direction(model, seed):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(p.shape, generator=g, dtype=p.dtype) for p in model.parameters()]


def measures(model, x, y, v):
    """Loss, accuracy, gradient norm and H v (double backprop) of the mean cross-entropy."""
    params = list(model.parameters())
    out = model(x)
    loss = nn.CrossEntropyLoss()(out, y)
    acc = (out.argmax(1) == y).double().mean().item()
    grads = torch.autograd.grad(loss, params, create_graph=True)
    gnorm = torch.sqrt(sum((g * g).sum() for g in grads)).item()
    gv = sum((g * d).sum() for g, d in zip(grads, v))
    hv = torch.autograd.grad(gv, params)
    flat = torch.cat([h.reshape(-1) for h in hv])
    vflat = torch.cat([d.reshape(-1) for d in v])
    picks = torch.linspace(0, flat.numel() - 1, 32).long()
    return {"loss": loss.item(), "accuracy": acc, "grad_norm": gnorm,
            "hv_norm": flat.norm().item(), "v_dot_hv": (vflat * flat).sum().item(),
            "hv_indices": picks.tolist(), "hv_values": flat[picks].tolist()}


def fixtures(args):
    torch.manual_seed(0)
    x, y = load(args.data_dir, 10000)
    out = os.path.join(ROOT, "tests", "Basin.Tests", "Fixtures", "pytorch")
    os.makedirs(out, exist_ok=True)
    expected = {}
    for name, make, spec, steps in [("mlp", mlp, MLP, 300), ("cnn", cnn, CNN, 150)]:
        model = train(make(), x, y, steps)
        save_safetensors(os.path.join(out, f"{name}.safetensors"), model.state_dict(), {"spec": spec})
        v = direction(model, 1)
        save_safetensors(os.path.join(out, f"{name}-v.safetensors"),
                         {k: d for (k, _), d in zip(model.state_dict().items(), v)})
        entry = {"spec": spec}
        with torch.no_grad():
            out10k = model(x)
            entry["float32_10k"] = {"loss": nn.CrossEntropyLoss()(out10k, y).item(),
                                    "accuracy": (out10k.argmax(1) == y).double().mean().item(), "n": 10000}
        m64 = make().double()
        m64.load_state_dict({k: t.double() for k, t in model.state_dict().items()})
        v64 = [d.double() for d in v]
        # The embedded fashion-mnist-mini subset is the first 2,000 of these images.
        entry["float64_2k"] = measures(m64, x[:2000].double(), y[:2000], v64)
        entry["float32_2k"] = measures(model, x[:2000], y[:2000], v)
        entry["float64_10k"] = {k: val for k, val in measures(m64, x.double(), y, v64).items()
                                if k in ("loss", "accuracy", "grad_norm", "hv_norm", "v_dot_hv")}
        expected[name] = entry
        print(f"{name}: {json.dumps(entry['float32_10k'])}", file=sys.stderr)
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)


def training(args):
    """Issue 3 parity: from the same initial weights and batch order (no shuffle, last batch partial as a
    DataLoader with drop_last=False), 100 SGD steps (lr 0.1, momentum 0.9, batch 128) in float32 and 50 full-batch
    GD steps (lr 0.1) in float64, on the first 2,000 training images (the embedded fashion-mnist-mini)."""
    torch.manual_seed(1)
    x, y = load(args.data_dir, 2000)
    out = os.path.join(ROOT, "tests", "Basin.Tests", "Fixtures", "pytorch")
    model = mlp()
    save_safetensors(os.path.join(out, "train-init.safetensors"), model.state_dict(), {"spec": MLP})
    init = {k: t.clone() for k, t in model.state_dict().items()}
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    step = 0
    while step < 100:
        for i in range(0, len(x), 128):
            if step == 100:
                break
            opt.zero_grad()
            loss_fn(model(x[i:i + 128]), y[i:i + 128]).backward()
            opt.step()
            step += 1
    save_safetensors(os.path.join(out, "train-sgd100.safetensors"), model.state_dict())
    gd = mlp().double()
    gd.load_state_dict({k: t.double() for k, t in init.items()})
    opt = torch.optim.SGD(gd.parameters(), lr=0.1)
    xd = x.double()
    for _ in range(50):
        opt.zero_grad()
        loss_fn(gd(xd), y).backward()
        opt.step()
    save_safetensors(os.path.join(out, "train-gd50.safetensors"), gd.state_dict())


def median_time(fn, repeat=7):
    for _ in range(3):
        fn()
    ts = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    ts.sort()
    return ts[len(ts) // 2]


def bench(args):
    torch.manual_seed(0)
    x, y = load(args.data_dir, 10000)
    res = {"torch": torch.__version__, "threads": torch.get_num_threads()}
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    res["sgemm_2048"] = median_time(lambda: torch.mm(a, b), args.repeat)
    a, b = torch.randn(1024, 1024, dtype=torch.float64), torch.randn(1024, 1024, dtype=torch.float64)
    res["dgemm_1024"] = median_time(lambda: torch.mm(a, b), args.repeat)
    loss_fn = nn.CrossEntropyLoss()
    for name, make in [("mlp", mlp), ("cnn", cnn)]:
        model = make()
        params = list(model.parameters())
        v = direction(model, 1)
        x2, y2 = x[:2000], y[:2000]

        def loss_only(xs, ys):
            with torch.no_grad():
                return loss_fn(model(xs), ys).item()

        def grad():
            return torch.autograd.grad(loss_fn(model(x2), y2), params)

        def hvp():
            g = torch.autograd.grad(loss_fn(model(x2), y2), params, create_graph=True)
            return torch.autograd.grad(sum((gi * vi).sum() for gi, vi in zip(g, v)), params)

        def sgd_epoch():
            opt = torch.optim.SGD(params, lr=0.01, momentum=0.9)
            perm = torch.randperm(len(x))
            for i in range(0, len(x), 128):
                idx = perm[i:i + 128]
                opt.zero_grad()
                loss_fn(model(x[idx]), y[idx]).backward()
                opt.step()

        if name == "mlp":
            res["mlp_sgd_epoch_10k"] = median_time(sgd_epoch, args.repeat)
            res["mlp_loss_10k"] = median_time(lambda: loss_only(x, y), args.repeat)
            res["mlp_grad_2k"] = median_time(grad, args.repeat)
            res["mlp_hvp_2k"] = median_time(hvp, args.repeat)
            flat_v = torch.cat([vi.reshape(-1) for vi in v])
            n_params = flat_v.numel()

            def hvp_flat(u):
                g = torch.autograd.grad(loss_fn(model(x2), y2), params, create_graph=True)
                flat = torch.cat([gi.reshape(-1) for gi in g])
                return torch.cat([h.reshape(-1) for h in torch.autograd.grad(flat @ u, params)])

            def power_20():
                u = flat_v / flat_v.norm()
                for _ in range(20):
                    w = hvp_flat(u)
                    u = w / w.norm()

            def hutchinson_100():
                for _ in range(100):
                    z = torch.randint(0, 2, (n_params,)).float() * 2 - 1
                    float(z @ hvp_flat(z))

            res["mlp_power20_2k"] = median_time(power_20, args.repeat)
            res["mlp_hutchinson100_2k"] = median_time(hutchinson_100, 3)
        else:
            res["cnn_loss_2k"] = median_time(lambda: loss_only(x2, y2), args.repeat)
            res["cnn_grad_2k"] = median_time(grad, args.repeat)
    print(json.dumps(res))


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["fixtures", "training", "bench"])
    p.add_argument("--data-dir")
    p.add_argument("--threads", type=int, default=os.cpu_count(),
                   help="intra-op threads (default: all cores); 0 keeps PyTorch's own default (1 on this machine)")
    p.add_argument("--repeat", type=int, default=7)
    args = p.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    {"fixtures": fixtures, "training": training, "bench": bench}[args.mode](args)
