"""PyTorch CUDA beside Basin's GPU check (issue 23), on the same GPU: SGEMM 4096 in GFLOP/s (TF32 off and on) and the
784-100-10 MLP's eval-mode forward on 10,000 rows in seconds. Prints one JSON object.
Usage: python3 bench/gpu/torch_mlp.py"""
import json, sys, time
import torch

def timed(f, repeats=20):
    f(); torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(repeats): f()
    torch.cuda.synchronize()
    return (time.perf_counter() - start) / repeats

result = {"torch": torch.__version__, "device": torch.cuda.get_device_name(0)}
a = torch.randn(4096, 4096, device="cuda")
b = torch.randn(4096, 4096, device="cuda")
for tf32 in (False, True):
    torch.backends.cuda.matmul.allow_tf32 = tf32
    s = timed(lambda: a @ b)
    result[f"sgemm_4096_gflops_tf32_{'on' if tf32 else 'off'}"] = 2 * 4096 ** 3 / s / 1e9
torch.backends.cuda.matmul.allow_tf32 = False
mlp = torch.nn.Sequential(torch.nn.Linear(784, 100), torch.nn.ReLU(), torch.nn.Linear(100, 10)).cuda().eval()
x = torch.rand(10000, 784, device="cuda")
with torch.no_grad():
    result["mlp_forward_10000_s"] = timed(lambda: mlp(x))
print(json.dumps(result))
