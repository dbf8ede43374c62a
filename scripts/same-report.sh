#!/usr/bin/env bash
# Checks that a reproduce report equals the committed one byte for byte, apart from its
# "## Stage times" section (wall-clock seconds, which vary with the machine and its load).
# Usage: bash scripts/same-report.sh reports/reproduce-quick.md runs/ci/reports/reproduce-quick.md
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 COMMITTED.md NEW.md" >&2; exit 2; }
strip() { awk '/^## Stage times/ {skip = 1; next} /^## / {skip = 0} !skip' "$1"; }
if diff <(strip "$1") <(strip "$2"); then
  echo "same report: $2 equals $1 (stage times aside)"
else
  echo "error: $2 differs from $1 (lines above; stage times aside). The built-in world must reproduce to the bit on every CPU and thread count." >&2
  exit 1
fi
