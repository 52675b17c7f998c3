#!/bin/sh
# Regenerates the pictures the README shows: the demo's figures and a screenshot of its report.html (headless Chromium).
# Usage: docs/images/make.sh   (needs `basin` on PATH, or BASIN=path/to/basin, and Debian's chromium)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
basin=${BASIN:-basin}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$basin" demo --out "$work/demo" > /dev/null 2>&1
for figure in surface surface-test trajectory hessian-density; do cp "$work/demo/$figure.png" "$here/$figure.png"; done
chromium --headless --disable-gpu --no-sandbox --hide-scrollbars --window-size=1100,2600 \
  --screenshot="$here/report.png" "file://$work/demo/report.html" 2> /dev/null
echo "wrote $here/{surface,surface-test,trajectory,hessian-density,report}.png"
