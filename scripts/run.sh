#!/usr/bin/env bash
# Installs what is missing, builds the Debug ("dev") preset and starts Llamadesk.
# Arguments are passed to the app, e.g.: scripts/run.sh --server-exe ~/llama.cpp/build/bin/llama-server
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

say() { printf 'run: %s\n' "$*"; }

say "checking dependencies"
bash scripts/setup-deps.sh
say "configuring (cmake --preset dev)"
cmake --preset dev
say "building (cmake --build --preset dev)"
cmake --build --preset dev
say "starting build/dev/bin/llamadesk $*"
exec build/dev/bin/llamadesk "$@"
