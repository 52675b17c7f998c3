#!/usr/bin/python3
"""PyTorch reference for Basin's module trees (issue 19): loss-landscape's ResNet-20 and VGG-9, rebuilt here from
loss-landscape's definitions (cifar10/models/resnet.py, vgg.py) with the input channels as an option, so they run on
Fashion-MNIST. Run with Debian's python3 and python3-torch.

  /usr/bin/python3 bench/pytorch_zoo.py fixtures   # ResNet-20 (in=1), trained a little so BatchNorm's statistics are not
                                                   # trivial, on the first 2,000 training images (the embedded set):
                                                   # weights + buffers, one train-mode SGD step, a filter-normalized
                                                   # biasbn curve, then what hessian256 adds
                                                   # -> tests/Basin.Tests/Fixtures/pytorch/resnet20*.safetensors, zoo.json
  /usr/bin/python3 bench/pytorch_zoo.py hessian256 # float64 top-3 eigenvalues of the committed ResNet-20's eval-mode
                                                   # Hessian on the first 256 images (80 Lanczos steps, ~20 minutes
                                                   # on 2 cores) -> "hessian_256" in zoo.json
  /usr/bin/python3 bench/pytorch_zoo.py vgg9 BASIN # VGG-9 (in=1): eval-mode loss of PyTorch and of `BASIN eval` on the
                                                   # same weights (too large a fixture to commit)
  /usr/bin/python3 bench/pytorch_zoo.py bench      # timings: ResNet-20 eval forward on 1,000 32x32x3 images, one training
                                                   # step (batch 128), an eval-mode Hessian-vector product on 256 images
"""
import copy, json, os, subprocess, sys, tempfile, time

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_reference import load, save_safetensors  # noqa: E402
from pytorch_hessian import hvp_fn, lanczos_top  # noqa: E402
from pytorch_surface import read_safetensors  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(os.path.dirname(HERE), "tests", "Basin.Tests", "Fixtures", "pytorch")


class BasicBlock(nn.Module):
    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != planes:
            self.shortcut = nn.Sequential(nn.Conv2d(in_planes, planes, 1, stride=stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class ResNetCifar(nn.Module):
    def __init__(self, n, in_channels=3, classes=10):
        super().__init__()
        self.in_planes = 16
        self.conv1 = nn.Conv2d(in_channels, 16, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.layer1 = self._make_layer(16, n, 1)
        self.layer2 = self._make_layer(32, n, 2)
        self.layer3 = self._make_layer(64, n, 2)
        self.linear = nn.Linear(64, classes)

    def _make_layer(self, planes, n, stride):
        layers = []
        for s in [stride] + [1] * (n - 1):
            layers.append(BasicBlock(self.in_planes, planes, s))
            self.in_planes = planes
        return nn.Sequential(*layers)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer3(self.layer2(self.layer1(out)))
        out = F.adaptive_avg_pool2d(out, 1)  # avg_pool2d(8) on 32x32, as loss-landscape; any size here
        return self.linear(out.view(out.size(0), -1))


class Vgg9(nn.Module):
    def __init__(self, in_channels=3, size=32):
        super().__init__()
        layers, c = [], in_channels
        for x in [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M']:
            if x == 'M':
                layers += [nn.MaxPool2d(2, 2, ceil_mode=True)]
                size = (size + 1) // 2
            else:
                layers += [nn.Conv2d(c, x, 3, padding=1), nn.BatchNorm2d(x), nn.ReLU(inplace=True)]
                c = x
        self.features = nn.Sequential(*layers)
        self.fc = nn.Sequential(nn.Linear(c * size * size, c), nn.BatchNorm1d(c), nn.ReLU(inplace=True))
        self.classifier = nn.Linear(c, 10)

    def forward(self, x):
        out = self.features(x)
        return self.classifier(self.fc(out.view(out.size(0), -1)))


def train_a_little(model, x, y, steps=40, batch=64):
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    for s in range(steps):
        i = (s * batch) % (len(x) - batch)
        opt.zero_grad()
        F.cross_entropy(model(x[i:i + batch]), y[i:i + batch]).backward()
        opt.step()
    return model.eval()


def evaluate(model, x, y):
    with torch.no_grad():
        out = model(x)
        return F.cross_entropy(out, y).item(), (out.argmax(1) == y).double().mean().item()


def fixtures():
    torch.manual_seed(0)
    x, y = load(None, 2000)
    model = train_a_little(ResNetCifar(3, in_channels=1), x, y)
    save_safetensors(os.path.join(OUT, "resnet20.safetensors"), model.state_dict(), {"spec": "resnet20(in=1)"})
    expected = {"spec": "resnet20(in=1)"}
    expected["eval_1k"] = dict(zip(["loss", "accuracy"], evaluate(model, x[:1000], y[:1000])))

    # One train-mode SGD step (lr 0.1, no momentum) on the first 128 images: weights and running statistics.
    stepped = copy.deepcopy(model).train()
    loss = F.cross_entropy(stepped(x[:128]), y[:128])
    loss.backward()
    with torch.no_grad():
        for p in stepped.parameters():
            p -= 0.1 * p.grad
    save_safetensors(os.path.join(OUT, "resnet20-step.safetensors"), stepped.state_dict())
    expected["step"] = {"loss": loss.item(), "lr": 0.1, "examples": 128}

    # A filter-normalized direction with biasbn (loss-landscape's normalize_directions_for_weights), raw in the file.
    gen = torch.Generator().manual_seed(1)
    raw = {k: torch.randn(p.shape, generator=gen) for k, p in model.named_parameters()}
    save_safetensors(os.path.join(OUT, "resnet20-dir.safetensors"), raw)
    w0 = {k: p.detach().clone() for k, p in model.named_parameters()}
    d = {}
    for k, r in raw.items():
        if r.dim() <= 1:
            d[k] = torch.zeros_like(r)
        else:
            d[k] = torch.stack([ri * (wi.norm() / (ri.norm() + 1e-10)) for ri, wi in zip(r, w0[k])])
    curve = []
    ts = [i / 5 - 1 for i in range(11)]
    for t in ts:
        with torch.no_grad():
            for k, p in model.named_parameters():
                p.copy_(w0[k] + t * d[k])
        curve.append(evaluate(model, x[:1000], y[:1000])[0])
    expected["curve_1k"] = {"t": ts, "loss": curve}
    with open(os.path.join(OUT, "zoo.json"), "w") as f:
        json.dump(expected, f, indent=1)
    print(json.dumps(expected, indent=1))
    hessian256()


def hessian256():
    """Float64 top-3 eigenvalues of the committed ResNet-20's eval-mode Hessian on the first 256 images."""
    torch.set_num_threads(2)
    x, y = load(None, 256)
    model = ResNetCifar(3, in_channels=1)
    model.load_state_dict(read_safetensors(os.path.join(OUT, "resnet20.safetensors")))
    model = model.double().eval()
    hvp, n = hvp_fn(model, x.double(), y)
    path = os.path.join(OUT, "zoo.json")
    with open(path) as f:
        expected = json.load(f)
    expected["hessian_256"] = {"top3": lanczos_top(hvp, n, 80, 3, torch.float64), "examples": 256}
    with open(path, "w") as f:
        json.dump(expected, f, indent=1)
    print(json.dumps(expected["hessian_256"]))


def vgg9(basin):
    torch.manual_seed(0)
    x, y = load(None, 2000)
    model = train_a_little(Vgg9(in_channels=1, size=28), x, y, steps=20)
    theirs = evaluate(model, x[:1000], y[:1000])
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "vgg9.safetensors")
        save_safetensors(path, model.state_dict())
        out = subprocess.run(basin.split() + ["eval", "--model", "vgg9(in=1)", "--weights", path, "--data", "fashion-mnist",
                                              "--n", "1000", "--json"], capture_output=True, text=True, check=True).stdout
    ours = json.loads(out)
    rel = abs(ours["loss"] - theirs[0]) / theirs[0]
    print(json.dumps({"pytorch": {"loss": theirs[0], "accuracy": theirs[1]}, "basin": ours, "relative_loss_difference": rel}))
    sys.exit(0 if rel < 1e-5 and ours["accuracy"] == theirs[1] else 1)


def bench():
    torch.set_num_threads(2)
    model = ResNetCifar(3).eval()
    x = torch.randn(1000, 3, 32, 32)
    y = torch.randint(0, 10, (1000,))
    rows = {}
    for rnd in range(3):
        t = time.perf_counter()
        with torch.no_grad():
            model(x)
        rows.setdefault("eval_forward_1000", []).append(time.perf_counter() - t)
        model.train()
        opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        t = time.perf_counter()
        opt.zero_grad()
        F.cross_entropy(model(x[:128]), y[:128]).backward()
        opt.step()
        rows.setdefault("train_step_128", []).append(time.perf_counter() - t)
        model.eval()
        hvp, n = hvp_fn(model, x[:256], y[:256])
        v = torch.randn(n)
        t = time.perf_counter()
        hvp(v)
        rows.setdefault("hvp_256", []).append(time.perf_counter() - t)
    print(json.dumps({k: min(v) for k, v in rows.items()}))


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "fixtures"
    {"fixtures": fixtures, "bench": bench, "hessian256": hessian256}.get(what, lambda: vgg9(sys.argv[2] if len(sys.argv) > 2 else "basin"))()
