"""PyTorch CUDA beside Basin's GPU check (issue 23), on the same GPU, with TF32 off and on: SGEMM 4096 in GFLOP/s, the
784-100-10 MLP's eval-mode forward on 10,000 rows, and loss-landscape's ResNet-20 (one input channel, 28 x 28 images,
eval mode) forward on 10,000 images and one Hessian-vector product (double backward) on 1,000, in seconds.
Prints one JSON object. Usage: python3 bench/gpu/torch_cuda.py"""
import json, os, sys, time
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from pytorch_zoo import ResNetCifar  # noqa: E402
from pytorch_hessian import hvp_fn  # noqa: E402

def timed(f, repeats=10):
    f(); torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(repeats): f()
    torch.cuda.synchronize()
    return (time.perf_counter() - start) / repeats

result = {"torch": torch.__version__, "device": torch.cuda.get_device_name(0)}
a = torch.randn(4096, 4096, device="cuda")
b = torch.randn(4096, 4096, device="cuda")
mlp = torch.nn.Sequential(torch.nn.Linear(784, 100), torch.nn.ReLU(), torch.nn.Linear(100, 10)).cuda().eval()
x = torch.rand(10000, 784, device="cuda")
resnet = ResNetCifar(3, in_channels=1).cuda().eval()
images = torch.rand(10000, 1, 28, 28, device="cuda")
labels = torch.randint(0, 10, (1000,), device="cuda")
hvp, n = hvp_fn(resnet, images[:1000], labels)
v = torch.randn(n, device="cuda")
for tf32 in (False, True):
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.backends.cudnn.allow_tf32 = tf32
    tag = "tf32_on" if tf32 else "tf32_off"
    result[f"sgemm_4096_gflops_{tag}"] = 2 * 4096 ** 3 / timed(lambda: a @ b, 20) / 1e9
    with torch.no_grad():
        result[f"mlp_forward_10000_s_{tag}"] = timed(lambda: mlp(x))
        result[f"resnet20_forward_10000_s_{tag}"] = timed(lambda: resnet(images), 3)
    result[f"resnet20_hvp_1000_s_{tag}"] = timed(lambda: hvp(v), 3)
print(json.dumps(result))
