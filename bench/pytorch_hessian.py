#!/usr/bin/python3
"""PyTorch reference for `basin hessian` (issue 5), by double backprop as PyHessian does it.

  /usr/bin/python3 bench/pytorch_hessian.py fixtures   # float64: top-3 Hessian eigenvalues (Lanczos, full
                                                       # reorthogonalization) and the exact empirical-Fisher trace
                                                       # (1/N) sum_i ||grad l_i||^2 of the engine-core MLP, first
                                                       # 2,000 training images -> tests/Basin.Tests/Fixtures/pytorch/hessian.json
  /usr/bin/python3 bench/pytorch_hessian.py bench      # float32 timings: 20 power iterations, 100 Hutchinson probes
"""
import argparse, json, os, sys, time

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_reference import load, mlp  # noqa: E402
from pytorch_surface import read_safetensors  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def model_and_data(dtype, data_dir):
    model = mlp().to(dtype)
    w = read_safetensors(os.path.join(ROOT, "tests", "Basin.Tests", "Fixtures", "pytorch", "mlp.safetensors"))
    model.load_state_dict({k: t.to(dtype) for k, t in w.items()})
    x, y = load(data_dir, 2000)
    return model, x.to(dtype), y


def hvp_fn(model, x, y):
    params = list(model.parameters())
    loss_fn = nn.CrossEntropyLoss()

    def hvp(v):
        g = torch.autograd.grad(loss_fn(model(x), y), params, create_graph=True)
        flat = torch.cat([gi.reshape(-1) for gi in g])
        return torch.cat([h.reshape(-1) for h in torch.autograd.grad(flat @ v, params)])
    return hvp, sum(p.numel() for p in params)


def lanczos_top(hvp, n, steps, k, dtype):
    gen = torch.Generator().manual_seed(0)
    v = torch.randn(n, generator=gen, dtype=dtype)
    v /= v.norm()
    basis, alpha, beta = [], [], []
    for j in range(steps):
        basis.append(v)
        w = hvp(v)
        alpha.append(float(w @ v))
        for _ in range(2):
            for q in basis:
                w = w - (w @ q) * q
        b = float(w.norm())
        beta.append(b)
        v = w / b
    t = torch.diag(torch.tensor(alpha, dtype=torch.float64))
    for i in range(len(alpha) - 1):
        t[i, i + 1] = t[i + 1, i] = beta[i]
    return sorted(torch.linalg.eigvalsh(t).tolist(), reverse=True)[:k]


def fisher_trace(model, x, y):
    params = list(model.parameters())
    loss_fn = nn.CrossEntropyLoss()
    total = 0.0
    for i in range(len(x)):
        g = torch.autograd.grad(loss_fn(model(x[i:i + 1]), y[i:i + 1]), params)
        total += float(sum((gi * gi).sum() for gi in g))
    return total / len(x)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["fixtures", "bench"])
    p.add_argument("--data-dir")
    p.add_argument("--threads", type=int, default=os.cpu_count())
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    if args.mode == "fixtures":
        model, x, y = model_and_data(torch.float64, args.data_dir)
        hvp, n = hvp_fn(model, x, y)
        top = lanczos_top(hvp, n, 80, 3, torch.float64)
        out = {"top3": top, "fisher_trace": fisher_trace(model, x, y)}
        with open(os.path.join(ROOT, "tests", "Basin.Tests", "Fixtures", "pytorch", "hessian.json"), "w") as f:
            json.dump(out, f, indent=1)
        print(json.dumps(out))
        return
    model, x, y = model_and_data(torch.float32, args.data_dir)
    hvp, n = hvp_fn(model, x, y)
    hvp(torch.randn(n))
    start = time.perf_counter()
    v = torch.randn(n)
    for _ in range(20):
        w = hvp(v)
        v = w / w.norm()
    power = time.perf_counter() - start
    start = time.perf_counter()
    est = 0.0
    for _ in range(100):
        z = torch.randint(0, 2, (n,)).float() * 2 - 1
        est += float(z @ hvp(z))
    hutch = time.perf_counter() - start
    print(json.dumps({"power_20": power, "hutchinson_100": hutch, "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
