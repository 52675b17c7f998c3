#!/usr/bin/env bash
# Regenerates the full runs behind docs/EXPERIMENTS.md (docs/experiments/NAME.json), then the page itself, whose quick
# sections come from fresh --quick runs. Full runs take seconds to minutes (theory2 about 2.5 min on 2 cores).
# usage: docs/experiments/generate.sh [NAME ...]   (default: every experiment)
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet build -c Release src/Basin.Cli > /dev/null
basin="dotnet src/Basin.Cli/bin/Release/net10.0/basin.dll"
names=("$@")
[ ${#names[@]} -eq 0 ] && mapfile -t names < <($basin experiment list | cut -d' ' -f1)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for name in "${names[@]}"; do
  echo "== $name (full)"
  $basin experiment "$name" --out "$work/$name" | tail -1
  cp "$work/$name/experiment.json" "docs/experiments/$name.json"
done
# The page: the test that checks it writes it instead when asked.
BASIN_WRITE_EXPERIMENTS=1 dotnet test -c Release --filter "FullyQualifiedName~ExperimentPageTests" > /dev/null
echo "wrote docs/EXPERIMENTS.md"
