#!/bin/sh
# The device check (issue 23), run on the GPU machine from the repository root, with bench/gpu/basin-linux-x64.tar.gz,
# bench/gpu/resnet20-in1 and bench/gpu/data carried there (bench/gpu/build.sh makes them): unpacks the CLI, reports the GPU, driver and
# PTX target, runs each check of bench/gpu/checks.txt with --device cuda (eval of an MLP, a CNN and a ResNet-20; Lanczos'
# Hessian eigenvalues and SAM's gradient of the MLP and the ResNet-20; ten augmented training steps of the ResNet-20,
# BatchNorm in train mode) against the CPU engine's numbers
# (bench/gpu/expected/), times a CNN surface on the GPU and on the machine's CPU and ResNet-20 surfaces on the GPU (11 x 11
# on 2,000 images, 21 x 21 on 10,000: bench/gpu/data, carried too), runs basin bench --device cuda (SGEMM 4096, losses,
# gradient and Hv against the GPU's FP32 peak), and times PyTorch CUDA on the same GPU. Everything goes to $OUT/gpu-check.json (raw outputs beside it). Under five minutes.
set -u
cd "$(dirname "$0")/../.."
out=${OUT:-$(mktemp -d)}
mkdir -p "$out/basin-bin"
tar -C "$out/basin-bin" -xzf bench/gpu/basin-linux-x64.tar.gz
basin="$out/basin-bin/basin/basin"
nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader > "$out/nvidia-smi.txt" 2>&1
while read -r name args; do
  start=$(date +%s.%N)
  eval "timeout 120 \"\$basin\" $args --device cuda" > "$out/$name.json" 2> "$out/$name.err"
  echo "$? $start $(date +%s.%N)" > "$out/$name.status"
done < bench/gpu/checks.txt
fixtures=tests/Basin.Tests/Fixtures/pytorch
surface() {  # NAME DEVICE GRID WEIGHTS [MODEL]: a surface on the embedded 2,000 images, whole command timed
  start=$(date +%s.%N)
  timeout 150 "$basin" surface --weights "$4" ${5:+--model "$5"} --xrange -1:1:$3 --yrange -1:1:$3 \
    --no-plots --force --json --out "$out/surface-$1-$2.h5" --device "$2" > "$out/surface-$1-$2.json" 2> "$out/surface-$1-$2.err"
  echo "$? $start $(date +%s.%N)" > "$out/surface-$1-$2.status"
}
surface cnn cuda 21 $fixtures/cnn.safetensors "$(cat bench/gpu/cnn.spec)"
surface cnn cpu 21 $fixtures/cnn.safetensors "$(cat bench/gpu/cnn.spec)"
surface resnet20 cuda 11 bench/gpu/resnet20-in1
# The ResNet-20's 21 x 21 filter-normalized surface on 10,000 images (bench/gpu/data), whole command timed.
start=$(date +%s.%N)
timeout 150 "$basin" surface --weights bench/gpu/resnet20-in1 --data fashion-mnist --data-dir bench/gpu/data --n 10000 --xrange -1:1:21 \
  --yrange -1:1:21 --no-plots --force --json --out "$out/surface-resnet20-10k-cuda.h5" --device cuda > "$out/surface-resnet20-10k-cuda.json" \
  2> "$out/surface-resnet20-10k-cuda.err"
echo "$? $start $(date +%s.%N)" > "$out/surface-resnet20-10k-cuda.status"
# Basin's own SGEMM 4096, MLP and ResNet-20 loss on 10,000 images, ResNet-20 gradient and Hv on 1,000, against the GPU's peak.
timeout 150 "$basin" bench --device cuda --repeat 5 --json > "$out/bench.json" 2> "$out/bench.err"
timeout 150 python3 bench/gpu/torch_cuda.py > "$out/torch.json" 2> "$out/torch.err"
python3 - "$out" <<'PY'
import json, sys, os
out = sys.argv[1]
def read(name):
    try: return open(os.path.join(out, name)).read().strip()
    except OSError: return ""
def relative(a, b): return abs(a - b) / max(abs(b), 1e-30)
result = {"gpu": read("nvidia-smi.txt"), "ptx_target": "sm_80 PTX (ISA 7.8), JIT-compiled by the driver"}
for line in open("bench/gpu/checks.txt"):
    name = line.split()[0]
    expected = json.load(open(f"bench/gpu/expected/{name}.json"))
    code, start, end = read(f"{name}.status").split()
    check = {"exit": int(code), "whole_command_s": float(end) - float(start), "stderr": read(f"{name}.err")[-500:], "cpu": expected}
    if code == "0":
        gpu = json.loads(read(f"{name}.json"))
        check["gpu"] = gpu
        if name.startswith("eval"):
            check.update(loss_relative_difference=relative(gpu["loss"], expected["loss"]), accuracy_equal=gpu["accuracy"] == expected["accuracy"])
        elif name.startswith("train"):
            check["relative_differences"] = {k: relative(gpu[k], expected[k]) for k in ("train_loss", "train_accuracy", "test_loss", "test_accuracy")}
        elif name.startswith("hessian"):
            check["eigenvalue_relative_differences"] = [relative(g, c) for g, c in zip(gpu["eigenvalues"], expected["eigenvalues"])]
            check["seconds_per_product"] = gpu["seconds"] / gpu["products"]
        else:
            check["relative_differences"] = {k: relative(gpu[k], v) for k, v in expected.items()}
    result[name] = check
for name in ("cnn-cuda", "cnn-cpu", "resnet20-cuda", "resnet20-10k-cuda"):
    code, start, end = read(f"surface-{name}.status").split()
    result[f"surface_{name}"] = {"exit": int(code), "whole_command_s": float(end) - float(start), "stderr": read(f"surface-{name}.err")[-500:]}
try: result["basin_bench"] = json.loads(read("bench.json"))
except ValueError: result["basin_bench"] = {"error": read("bench.err")[-2000:]}
try: result["torch"] = json.loads(read("torch.json"))
except ValueError: result["torch"] = {"error": read("torch.err")[-2000:]}
json.dump(result, open(os.path.join(out, "gpu-check.json"), "w"), indent=1)
print(json.dumps(result, indent=1))
PY
