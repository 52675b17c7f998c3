#!/usr/bin/env bash
# Times PyTorch (bench/pytorch_reference.py) and Basin (basin bench) on the same cases, one right after
# the other, and prints Basin's table with the speed-up column. Usage: bench/compare.sh [--data-dir DIR]
# TORCH_THREADS=N sets PyTorch's threads (default: all cores; 0 keeps PyTorch's own default).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/out
dotnet build -c Release src/Basin.Cli -v q -nologo > /dev/null
dotnet build-server shutdown > /dev/null 2>&1 || true   # idle compiler servers would share the cores
/usr/bin/python3 bench/pytorch_reference.py bench --threads "${TORCH_THREADS:-$(nproc)}" "$@" > bench/out/pytorch.json
src/Basin.Cli/bin/Release/net10.0/basin bench --compare bench/out/pytorch.json "$@"
