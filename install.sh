#!/bin/sh
# One-time install of the `basin` command: a self-contained build of the CLI, precompiled (ReadyToRun, one composite
# image with the .NET runtime, for this machine's instruction set), into PREFIX/lib/basin, linked as PREFIX/bin/basin.
# Usage: ./install.sh [PREFIX]   (default ~/.local; run it again after pulling, or on a machine with another processor)
set -eu
cd "$(dirname "$0")"
prefix=${1:-$HOME/.local}
case "$(uname -m)" in
  x86_64) rid=linux-x64
          if grep -q avx512f /proc/cpuinfo; then isa=x86-64-v4; elif grep -q avx2 /proc/cpuinfo; then isa=x86-64-v3; else isa=x86-64-v2; fi ;;
  aarch64) rid=linux-arm64; isa=armv8-a ;;
  *) echo "error: install: no build for $(uname -m)" >&2; exit 2 ;;
esac
echo "building basin for $rid ($isa) into $prefix/lib/basin (a minute or two, once)"
# Intermediate files of an earlier runtime-specific build (other options) would be mixed into the composite image.
rm -rf "$prefix/lib/basin.new" src/*/obj/Release/net10.0/"$rid"
dotnet publish src/Basin.Cli -c Release -r "$rid" --self-contained true -v quiet -nologo \
  -p:PublishReadyToRun=true -p:PublishReadyToRunComposite=true \
  "-p:PublishReadyToRunCrossgen2ExtraArgs=--instruction-set:$isa" \
  -o "$prefix/lib/basin.new"
rm -rf "$prefix/lib/basin" && mv "$prefix/lib/basin.new" "$prefix/lib/basin"
mkdir -p "$prefix/bin"
ln -sf "$prefix/lib/basin/basin" "$prefix/bin/basin"
"$prefix/bin/basin" --version > /dev/null
echo "installed: $prefix/bin/basin ($("$prefix/bin/basin" --version))"
case ":$PATH:" in
  *":$prefix/bin:"*) ;;
  *) echo "note: $prefix/bin is not on PATH; add it, e.g. echo 'export PATH=\"$prefix/bin:\$PATH\"' >> ~/.bashrc" ;;
esac
