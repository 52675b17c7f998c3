#!/usr/bin/env bash
# Times PyTorch (bench/pytorch_reference.py) and Basin (basin bench) on the same cases, one right after
# the other, and prints Basin's table with the speed-up column. Usage: bench/compare.sh [--data-dir DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/out
/usr/bin/python3 bench/pytorch_reference.py bench "$@" > bench/out/pytorch.json
dotnet run -c Release --project src/Basin.Cli -- bench --compare bench/out/pytorch.json "$@"
