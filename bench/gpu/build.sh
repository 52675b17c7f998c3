#!/bin/sh
# Prepares the device check (issue 23) on this machine: a self-contained build of the CLI for linux-x64 (the GPU
# machine has no .NET), packed as bench/gpu/basin-linux-x64.tar.gz, and the CPU engine's numbers the GPU must match
# (bench/gpu/expected.json). Usage: bench/gpu/build.sh   (then run bench/gpu/check.sh on the GPU machine)
set -eu
cd "$(dirname "$0")/../.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
dotnet publish src/Basin.Cli -c Release -r linux-x64 --self-contained true -v quiet -nologo -p:PublishReadyToRun=false -o "$out/basin"
tar -C "$out" -czf bench/gpu/basin-linux-x64.tar.gz basin
fixtures=tests/Basin.Tests/Fixtures/pytorch
"$out/basin/basin" eval --weights $fixtures/mlp.safetensors --model mlp:784-100-10 --n 2000 --json > bench/gpu/expected.jsonl
"$out/basin/basin" eval --weights $fixtures/cnn.safetensors --model "$(cat bench/gpu/cnn.spec)" --n 2000 --json >> bench/gpu/expected.jsonl
# A ResNet-20 for one-channel images, trained 20 steps (its BatchNorm statistics no longer the initial ones).
rm -rf bench/gpu/resnet20-in1
"$out/basin/basin" train --model "resnet20(in=1)" --steps 20 --n 2000 --out bench/gpu/resnet20-in1 > /dev/null
"$out/basin/basin" eval --weights bench/gpu/resnet20-in1 --n 2000 --json >> bench/gpu/expected.jsonl
echo "wrote bench/gpu/basin-linux-x64.tar.gz ($(du -h bench/gpu/basin-linux-x64.tar.gz | cut -f1)), bench/gpu/resnet20-in1 and bench/gpu/expected.jsonl;"
echo "carry bench/gpu/basin-linux-x64.tar.gz and bench/gpu/resnet20-in1 to the GPU machine"
