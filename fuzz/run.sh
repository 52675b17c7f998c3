#!/usr/bin/env bash
# Fuzzes one input parser with AFL++ through SharpFuzz, for SECONDS, and prints what AFL counted.
#   fuzz/run.sh safetensors 600      (or: spec)
# Needs: apt-get install afl++; dotnet tool install --global SharpFuzz.CommandLine --version 2.3.0
set -euo pipefail
cd "$(dirname "$0")"
target=${1:-safetensors}
seconds=${2:-600}
out=out/$target
rm -rf "$out" && mkdir -p "$out"
dotnet publish Basin.Fuzz -c Release -o "$out/bin" --nologo -v quiet
"${SHARPFUZZ:-$HOME/.dotnet/tools/sharpfuzz}" "$out/bin/Basin.Core.dll"
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
afl-fuzz -i "corpus/$target" -o "$out/findings" -t 5000 -m none -V "$seconds" -- dotnet "$out/bin/Basin.Fuzz.dll" "$target" > "$out/afl.log" 2>&1 || true
stats="$out/findings/default/fuzzer_stats"
grep -E '^(run_time|execs_done|execs_per_sec|corpus_count|saved_crashes|saved_hangs|edges_found|total_edges) ' "$stats"
crashes=$(awk '$1 == "saved_crashes" { print $3 }' "$stats")
echo "$target: $(awk '$1 == "execs_done" { print $3 }' "$stats") inputs tried, $crashes crashes"
[ "$crashes" = 0 ]
