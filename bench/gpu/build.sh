#!/bin/sh
# Prepares the device check (issue 23) on this machine: a self-contained build of the CLI for linux-x64 (the GPU
# machine has no .NET), packed as bench/gpu/basin-linux-x64.tar.gz, a ResNet-20 for one-channel images trained a few
# steps (bench/gpu/resnet20-in1), and the CPU engine's numbers the GPU must match (bench/gpu/expected/*.json: eval of the
# MLP, CNN and ResNet-20 on 2,000 images; Lanczos' top-3 Hessian eigenvalues (20 products) and SAM sharpness (a gradient)
# of the MLP and the ResNet-20 on 1,000; the losses after ten augmented training steps of a ResNet-20). Usage: bench/gpu/build.sh   (then run bench/gpu/check.sh on the GPU machine)
set -eu
cd "$(dirname "$0")/../.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
dotnet publish src/Basin.Cli -c Release -r linux-x64 --self-contained true -v quiet -nologo -p:PublishReadyToRun=false -o "$out/basin"
tar -C "$out" -czf bench/gpu/basin-linux-x64.tar.gz basin
basin="$out/basin/basin"
fixtures=tests/Basin.Tests/Fixtures/pytorch
# A ResNet-20 for one-channel images, trained 20 steps (its BatchNorm statistics no longer the initial ones).
rm -rf bench/gpu/resnet20-in1 bench/gpu/expected
mkdir -p bench/gpu/expected
"$basin" train --model "resnet20(in=1)" --steps 20 --n 2000 --out bench/gpu/resnet20-in1 > /dev/null
# The first 10,000 Fashion-MNIST training images and labels (about 4 MB gzipped), for the surface on 10,000 images.
rm -rf bench/gpu/data
mkdir -p bench/gpu/data
python3 - "${FASHION_MNIST:-/usr/share/datasets/fashion-mnist}" bench/gpu/data <<'PY'
import gzip, struct, sys
source, target = sys.argv[1:]
for name, record in (("train-images-idx3-ubyte", 784), ("train-labels-idx1-ubyte", 1)):
    with gzip.open(f"{source}/{name}.gz") as f:
        magic, count = struct.unpack(">II", f.read(8))
        rest = f.read(8 if record == 784 else 0)
        body = f.read(10000 * record)
    with gzip.open(f"{target}/{name}.gz", "wb") as f:
        f.write(struct.pack(">II", magic, 10000) + rest + body)
PY
# The checks, one per line: NAME, then the arguments of the command (check.sh runs the same with --device cuda).
while read -r name args; do
  eval "\"\$basin\" $args" > "bench/gpu/expected/$name.json"
done < bench/gpu/checks.txt
echo "wrote bench/gpu/basin-linux-x64.tar.gz ($(du -h bench/gpu/basin-linux-x64.tar.gz | cut -f1)), bench/gpu/resnet20-in1 and bench/gpu/expected/;"
echo "carry bench/gpu/basin-linux-x64.tar.gz, bench/gpu/resnet20-in1 and bench/gpu/data to the GPU machine"
