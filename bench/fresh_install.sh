#!/bin/sh
# A fresh clone, the README's install step and `basin demo`, as a new user runs them (nothing of this checkout's
# builds is reused): prints the time of each step and exits non-zero if any fails.
# Usage: bench/fresh_install.sh [REPOSITORY]   (default: this checkout's committed HEAD)
set -eu
repo=${1:-$(cd "$(dirname "$0")/.." && pwd)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
step() { start=$(date +%s.%N); "$@"; echo "  $(echo "$(date +%s.%N) - $start" | bc | xargs printf '%.1f') s: $*" >&2; }
step git clone -q "$repo" "$work/basin"
cd "$work/basin"
step ./install.sh "$work/prefix" > /dev/null
export PATH="$work/prefix/bin:$PATH"
step basin --version
step basin demo --out "$work/demo" > "$work/demo.txt"
grep -q "basin demo:" "$work/demo.txt"
ls "$work/demo"/*.h5 "$work/demo"/*.png > /dev/null
echo "fresh clone + ./install.sh + basin demo: ok" >&2
