#!/usr/bin/env bash
# Makes tests/Basin.Tests/Fixtures/surface: Basin's raw random directions for the engine-core CNN, PyTorch's filter
# normalization of them, and PyTorch's 5x5 surfaces (float64 and float32) on the first 2,000 training images.
# Usage: bench/surface_fixtures.sh [--data-dir DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out=tests/Basin.Tests/Fixtures/surface
cnn='conv2d(1,8,3,padding=1),relu,maxpool2d(2),conv2d(8,16,3,padding=1),relu,maxpool2d(2),flatten,linear(784,10)'
weights=tests/Basin.Tests/Fixtures/pytorch/cnn.safetensors
mkdir -p "$out"
dotnet run -c Release --project src/Basin.Cli -- surface --model "$cnn" --weights "$weights" --data fashion-mnist-mini \
  --norm none --xrange -1:1:5 --yrange -1:1:5 --out "$out/raw.h5" --force > /dev/null
rm "$out/raw.h5"
/usr/bin/python3 bench/pytorch_surface.py "$weights" "$out/raw.dir_x.safetensors" "$out/raw.dir_y.safetensors" --cnn --double \
  --n 2000 --grid=-1:1:5 --normalize filter --normalized-out "$out/torch" "$@" > "$out/torch-f64.json"
/usr/bin/python3 bench/pytorch_surface.py "$weights" "$out/raw.dir_x.safetensors" "$out/raw.dir_y.safetensors" --cnn \
  --n 2000 --grid=-1:1:5 --normalize filter "$@" > "$out/torch-f32.json"
