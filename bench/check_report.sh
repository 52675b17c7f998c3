#!/usr/bin/env bash
# Opens a Basin report (or any self-contained page) in headless Chromium (Debian's `chromium`), takes a screenshot
# and fails if the page logged a script error. Usage: bench/check_report.sh REPORT.html [SCREENSHOT.png]
# Needs `apt-get install chromium`; nothing is fetched: the page itself must load nothing from the network.
set -euo pipefail
page=$(readlink -f "$1")
shot=${2:-${page%.html}.png}
profile=$(mktemp -d)
log=$(mktemp)
trap 'rm -rf "$profile" "$log"' EXIT
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$profile" --window-size=1200,1600 \
  --virtual-time-budget=8000 --enable-logging=stderr --v=0 --screenshot="$shot" "file://$page" 2> "$log" || true
if [ ! -s "$shot" ]; then echo "error: $page: no screenshot was taken"; exit 1; fi
if grep -E "Uncaught|CONSOLE.*(Error|error)" "$log"; then echo "error: $page: the page logged script errors (above)"; exit 1; fi
echo "ok: $page rendered without script errors; screenshot $shot ($(stat -c %s "$shot") bytes)"
