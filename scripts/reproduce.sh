#!/usr/bin/env bash
# Installs what is missing, builds in release mode, and runs `retain reproduce` with any extra arguments.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build -c release --product retain
exec .build/release/retain reproduce "$@"
