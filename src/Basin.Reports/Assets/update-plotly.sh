#!/usr/bin/env bash
# Refreshes the vendored plotly.js (gl3d bundle: 3D surfaces) that HTML reports inline, from the npm registry.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
(cd "$tmp" && npm pack plotly.js-gl3d-dist-min@"${1:-4.1.1}" > /dev/null && tar xzf ./*.tgz)
cp "$tmp/package/plotly-gl3d.min.js" plotly-gl3d.min.js
cp "$tmp/package/LICENSE" plotly-LICENSE
rm -rf "$tmp"
